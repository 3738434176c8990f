import importlib

import django_rq
import pytest
import redis
from django.apps import apps
from django.conf import settings

# The app as Shopify approved it for production: read_all_orders, and every protected customer
# field (the emulator's public apps have neither until approved). Tests of what happens without
# an approval leave it out.
APPROVED_APP = {
    "approved_scopes": ["read_all_orders"],
    "protected_data": {"level": 2, "fields": ["name", "email", "phone", "address"]},
}


def queued(queue_name: str) -> list[tuple]:
    """The jobs waiting in a queue, as (job name, *its arguments) (config.queues.JOBS)."""
    return [(job.args[0], *job.args[2:]) for job in django_rq.get_queue(queue_name).jobs]


@pytest.fixture
def redis_connection():
    """The tests' Redis database, emptied before and after the test."""
    connection = redis.Redis.from_url(settings.REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(
        username="staff", email="staff@example.com", password="staff-password", is_staff=True
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.com", password="root-password"
    )


@pytest.fixture(scope="session")
def shopify_emulator():
    """The Shopify emulator, a separate process on a free port, for the whole session.
    Tests that use it start from a clean state with `emulator` (tests/emulator/conftest.py)
    or reset it themselves."""
    from shopify_emulator.client import EmulatorProcess

    process = EmulatorProcess()
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def default_order_pipeline(request):
    """Transactional tests empty every table when they end, the rows that migrations create
    too. The default order pipeline (crm migration 0002) comes back before each one, as
    migrate would leave it. (serialized_rollback does this in Django's runner, but its
    snapshot does not reliably reach pytest's tests.)"""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        migration = importlib.import_module("crm.migrations.0002_default_order_pipeline")
        migration.create_default_pipeline(apps, None)


PRODUCTION_STATIC_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.fixture(scope="session")
def collected_static_root(tmp_path_factory):
    """`collectstatic` once per session into a temporary STATIC_ROOT, with production's storage
    (hashed names, compressed copies), as the Procfile's release step runs it."""
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("staticfiles")
    storages = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC_STORAGE}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected_static(collected_static_root, settings):
    """Static files as production has them with DEBUG off: pages name the hashed files, and
    WhiteNoise serves only what collectstatic gathered (no finders)."""
    settings.STATIC_ROOT = collected_static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC_STORAGE}
    settings.WHITENOISE_USE_FINDERS = False
    return collected_static_root


@pytest.fixture
def production_live_server(collected_static, transactional_db):
    """A live server that serves static files as production does: through WhiteNoise and the
    collected, hashed files only (pytest-django's `live_server` serves them from the finders
    under their plain names, which would hide a page naming a file production lacks). The
    visual tour runs on this one."""
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", static_handler=lambda handler: handler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    thread.url = f"http://127.0.0.1:{thread.port}"
    yield thread
    thread.terminate()
