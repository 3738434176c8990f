"""Settings for the test suite: PostgreSQL and Redis, whatever a developer's `.env` says.

The database is TEST_DATABASE_URL, else the one the settings give (DATABASE_URL, else the
local PostgreSQL server). Redis is TEST_REDIS_URL (database 15 by default, away from `make run`'s).
"""

import os

# Tests must not depend on a developer's `.env`; they set what they need here.
os.environ["READ_ENV_FILE"] = "false"
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-7Hq2Zp9Lw4Rx")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdHMtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
os.environ.setdefault("SHOPIFY_API_KEY", "test-app")
os.environ.setdefault("SHOPIFY_API_SECRET", "test-app-secret")
os.environ.setdefault("APP_URL", "http://testserver")
# The tests' Shopify app is approved for read_all_orders (the emulator's apps are told so); the
# tests of an app that is not override it.
os.environ.setdefault("SHOPIFY_APPROVED_SCOPES", "read_all_orders")

from config.settings import *  # noqa: F403
from config.settings import env

if os.environ.get("TEST_DATABASE_URL"):
    DATABASES = {"default": env.db_url_config(os.environ["TEST_DATABASE_URL"])}

REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
for _queue in RQ_QUEUES.values():  # noqa: F405
    _queue["URL"] = queue_url(REDIS_URL)  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
LOGGING["root"]["level"] = "WARNING"  # noqa: F405 (quiet workers in test output)

# The suite runs with DEBUG off but without collectstatic: static files keep their names and
# WhiteNoise finds them where runserver would. Tests of production's hashed, collected files
# use the `collected_static` fixture (tests/conftest.py).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # nothing collected: WhiteNoise would warn of a missing directory
