"""Settings, all from the environment (django-environ). `.env.example` lists every variable.

A `.env` file next to `manage.py` is read when present; real environment variables win over it.
"""

import base64
import hashlib
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# READ_ENV_FILE=false lets a process (a test, a container) ignore a developer's `.env`.
if env.bool("READ_ENV_FILE", default=True):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# Only a development run may fall back to a fixed key: anything else must say which key it uses.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY in the environment or in "
            ".env (see .env.example), or set DEBUG=true for a local development run."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    # Django's own measure of a key strong enough to sign sessions and password resets
    # (check security.W009), refused here rather than warned about.
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG off: use 50 or more random characters, e.g. "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# The public base URL of this app: OAuth callbacks and webhook addresses are built from it.
APP_URL = env.str("APP_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [APP_URL]


def _development_encryption_key(secret_key: str) -> str:
    digest = hashlib.sha256(f"field-encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# Fernet key (32 url-safe base64 bytes) that encrypts Shopify access tokens at rest.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is required when DEBUG is off. Generate one with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    FIELD_ENCRYPTION_KEY = _development_encryption_key(SECRET_KEY)

# Shopify app credentials and where Shopify is. `{shop}` is replaced by the shop's domain; a
# local emulator is reached with e.g. http://127.0.0.1:8765/{shop}.
SHOPIFY_API_KEY = env.str("SHOPIFY_API_KEY", default="")
SHOPIFY_API_SECRET = env.str("SHOPIFY_API_SECRET", default="")
SHOPIFY_BASE_URL = env.str("SHOPIFY_BASE_URL", default="https://{shop}")
if "{shop}" not in SHOPIFY_BASE_URL:
    raise ImproperlyConfigured("SHOPIFY_BASE_URL must contain {shop}, e.g. https://{shop}")
SHOPIFY_API_VERSION = "2026-10"
# The scopes Shopify approved the app to ask for (read_all_orders: orders older than 60 days).
# Asking for one it did not approve ends the install on Shopify's error page, so the app asks
# for a gated scope only when it is listed here.
SHOPIFY_APPROVED_SCOPES = env.list("SHOPIFY_APPROVED_SCOPES", default=[])
# The scopes the app asks for; empty: every scope the syncs use (less unapproved gated ones).
SHOPIFY_SCOPES = env.list("SHOPIFY_SCOPES", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_rq",
    "oauth2_provider",
    "rest_framework",
    "drf_spectacular",
    "crm",
    "integration",
    "sync",
    "dashboards",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the web process itself (compressed, hashed names, cached for ever),
    # before anything else spends time on the request.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL only, everywhere: the app relies on COPY, arrays, JSONB and advisory locks, and a
# development database that behaved otherwise would hide bugs. Unset (or empty), the server on
# this machine; `make run` sets it to a server that answers (config/localdb.py).
_database_url = env.str("DATABASE_URL", default="") or "postgres://postgres@127.0.0.1:5432/crm"
DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL database (postgres://user:password@host:5432/name), "
        f"not {_database_url.partition(':')[0] or 'nothing'}: the app runs on PostgreSQL only."
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `manage.py collectstatic` gathers them for production (the Procfile's release step).
STATIC_ROOT = BASE_DIR / "staticfiles"
# With DEBUG off WhiteNoise serves the collected files under names that carry their content's
# hash (browsers may cache them for ever) and pre-compressed; with DEBUG on, runserver serves
# them from the apps and static/ as they are, no collectstatic needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

# The country a phone number typed without its country code is read in when the record's store
# does not say (crm/phones.py): ISO 3166-1 alpha-2, e.g. SE. Empty: such numbers are refused.
CRM_DEFAULT_PHONE_REGION = env.str("CRM_DEFAULT_PHONE_REGION", default="").strip().upper()

# Jobs. Three queues on one Redis: webhook processing must never wait behind a long initial
# sync, so it has its own queue, listed first by every worker.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# A Redis host that does not answer fails a call within seconds, not after the system's TCP
# timeout: the webhook intake stores deliveries without Redis and must answer Shopify in time.
REDIS_CONNECT_TIMEOUT = 3


def queue_url(url: str) -> str:
    """The queues' Redis URL: REDIS_URL with the connect timeout (django-rq takes a URL)."""
    if "socket_connect_timeout" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}socket_connect_timeout={REDIS_CONNECT_TIMEOUT}"


RQ_QUEUES = {
    "webhooks": {"URL": queue_url(REDIS_URL), "DEFAULT_TIMEOUT": 300},
    "sync": {"URL": queue_url(REDIS_URL), "DEFAULT_TIMEOUT": 3600},
    "default": {"URL": queue_url(REDIS_URL), "DEFAULT_TIMEOUT": 600},
}
# Records applied per transaction by bulk runs (and checkpointed after each). Each batch has a
# fixed cost (its queries, its commit, its checkpoint): 1000 applied the benchmark's shop 29%
# faster than 500, 2000 only 4% more for 24% more worker memory.
SYNC_BATCH_SIZE = env.int("SYNC_BATCH_SIZE", default=1000)
# A job enqueued inside a transaction is sent only when it commits, so a worker never reads
# rows that are not there yet (or never will be, after a rollback).
RQ = {"COMMIT_MODE": "on_db_commit"}

# The CRM as an OAuth2 provider (/o/) for the apps that use its API (/api/v1/).
OAUTH2_PROVIDER_APPLICATION_MODEL = "api.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "contacts.read": "Read contacts and companies",
        "contacts.write": "Create and change contacts and companies (they sync to Shopify)",
        "products.read": "Read products and their variants",
        "products.write": "Create and change products (they sync to Shopify)",
        "orders.read": "Read orders and their line items",
        "orders.write": "Change the custom properties of orders (superadmins only)",
        "carts.read": "Read abandoned carts and their line items",
        "carts.write": "Change the custom properties of carts (superadmins only)",
        "reports.read": "Read the e-commerce reports",
        "stores.read": "Read the connected stores and the health of their syncs",
    },
    # An application gets at most the scopes an administrator allowed it.
    "SCOPES_BACKEND_CLASS": "api.scopes.ApplicationScopes",
    "APPLICATION_ADMIN_CLASS": "api.admin.ApplicationAdmin",
    "PKCE_REQUIRED": True,
    # S256 only (RFC 9700 §2.1.1): oauthlib's server, without `plain`.
    "OAUTH2_SERVER_CLASS": "api.oauth.Server",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
}
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerToken"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenHasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerApplication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursor",
    "EXCEPTION_HANDLER": "api.errors.handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM e-commerce API",
    "DESCRIPTION": "Contacts, companies, products, orders, carts, stores and reports of the CRM.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_refusals",
        "api.schema.refuse_unknown_fields",
    ],
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"refusals_in_one_line": {"()": "config.log_filters.RefusalsInOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals_in_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's own console handler (with DEBUG on) printed each of its records a second
        # time beside the root's: Django's records go to the root's handler only.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}

if not DEBUG and APP_URL.startswith("https://"):
    # Served over https: cookies only over https, plain http redirected, and browsers told to
    # come back over https only for a year (HSTS; subdomains and preloading are the domain
    # owner's choice, not the app's).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    # TLS ends at the proxy in front of gunicorn, which says so in X-Forwarded-Proto; without
    # trusting it every request would look like http and be redirected forever. A deployment
    # where clients reach gunicorn directly sets TRUST_X_FORWARDED_PROTO=false.
    if env.bool("TRUST_X_FORWARDED_PROTO", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
