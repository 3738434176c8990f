"""Encryption of secrets at rest (Shopify access tokens), with Fernet.

FIELD_ENCRYPTION_KEY may list several keys, comma-separated: the first encrypts, all decrypt,
so a key can be rotated without losing what the old one encrypted.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """The value was not encrypted with any of the configured keys."""


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.FIELD_ENCRYPTION_KEY.split(",") if key.strip()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "The value cannot be decrypted with FIELD_ENCRYPTION_KEY (was the key changed?)"
        ) from None
