"""Settings for the test suite: PostgreSQL and Redis, whatever a developer's `.env` says.

The database is TEST_DATABASE_URL, else DATABASE_URL when it names PostgreSQL, else the local
PostgreSQL server. Redis is TEST_REDIS_URL (database 15 by default, away from `make run`'s).
"""

import os

# Tests must not depend on a developer's `.env`; they set what they need here.
os.environ["READ_ENV_FILE"] = "false"
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdHMtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
os.environ.setdefault("SHOPIFY_API_KEY", "test-app")
os.environ.setdefault("SHOPIFY_API_SECRET", "test-app-secret")
os.environ.setdefault("APP_URL", "http://testserver")

from config.settings import *  # noqa: F403
from config.settings import env

_database_url = os.environ.get("DATABASE_URL", "")
if not _database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
    _database_url = "postgres://postgres@127.0.0.1:5432/crm"
DATABASES = {"default": env.db_url_config(env.str("TEST_DATABASE_URL", default=_database_url))}

REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
for _queue in RQ_QUEUES.values():  # noqa: F405
    _queue["URL"] = REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
LOGGING["root"]["level"] = "WARNING"  # noqa: F405 (quiet workers in test output)
