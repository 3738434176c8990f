import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def import_settings(**env):
    """Import config.settings in a fresh interpreter with exactly `env` (plus PATH); it prints
    the database's engine, host, port and name."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; d = s.DATABASES['default']; "
            "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'])",
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "READ_ENV_FILE": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off():
    result = import_settings(DEBUG="false", FIELD_ENCRYPTION_KEY="x" * 44)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is required when DEBUG is off." in result.stderr


def test_settings_refuse_to_load_without_an_encryption_key_when_debug_is_off():
    result = import_settings(DEBUG="false", SECRET_KEY="s" * 50)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required when DEBUG is off" in result.stderr


def test_a_development_run_needs_no_secrets_and_defaults_to_the_local_postgresql():
    result = import_settings(DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql 127.0.0.1 5432 crm"


def test_an_empty_database_url_means_the_default():
    result = import_settings(DEBUG="true", DATABASE_URL="")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql 127.0.0.1 5432 crm"


@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "mysql://crm@db.internal/crm"])
def test_settings_refuse_a_database_that_is_not_postgresql(url):
    result = import_settings(DEBUG="true", DATABASE_URL=url)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must name a PostgreSQL database" in result.stderr
    assert f"not {url.partition(':')[0]}:" in result.stderr


def test_production_settings_load_with_their_secrets_and_database():
    result = import_settings(
        DEBUG="false",
        SECRET_KEY="s" * 50,
        FIELD_ENCRYPTION_KEY="x" * 44,
        DATABASE_URL="postgres://crm@db.internal:5432/crm",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql db.internal 5432 crm"


def test_shopify_base_url_must_name_the_shop():
    result = import_settings(DEBUG="true", SHOPIFY_BASE_URL="http://127.0.0.1:8765")

    assert result.returncode != 0
    assert "SHOPIFY_BASE_URL must contain {shop}" in result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    source = (ROOT / "config" / "settings.py").read_text()
    source += (ROOT / "config" / "test_settings.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z_]+)"', source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))

    assert read, "the pattern should find the variables"
    assert read - listed == set()


@pytest.mark.django_db
def test_tests_run_on_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql"
