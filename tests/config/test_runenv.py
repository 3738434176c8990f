"""`EMULATOR_PORT=8865 make run` runs the emulator on 8865 and the app asks it there: the
shell's environment wins over `.env` (config/runenv.py, written after `.env` for honcho)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.runenv import RunEnvError, run_env

ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).parent / "honcho"
# The lines `cp .env.example .env` gave before: the emulator's address written out.
OLD_ENV = "SHOPIFY_BASE_URL=http://127.0.0.1:8765/{shop}\nEMULATOR_PORT=8765\n"


@pytest.fixture
def env_file(tmp_path):
    def write(text):
        path = tmp_path / ".env"
        path.write_text(text)
        return path

    return write


def test_the_shells_port_wins_and_the_emulators_address_follows(env_file):
    values = run_env({"EMULATOR_PORT": "8865"}, env_file(OLD_ENV))
    assert values == {
        "EMULATOR_PORT": "8865",
        "SHOPIFY_BASE_URL": "http://127.0.0.1:8865/{shop}",
    }


def test_without_the_shell_env_file_then_the_default(env_file):
    assert run_env({}, env_file("EMULATOR_PORT=9100\n")) == {
        "EMULATOR_PORT": "9100",
        "SHOPIFY_BASE_URL": "http://127.0.0.1:9100/{shop}",
    }
    assert run_env({}, env_file("")) == {
        "EMULATOR_PORT": "8765",
        "SHOPIFY_BASE_URL": "http://127.0.0.1:8765/{shop}",
    }
    # READ_ENV_FILE=false: .env is not read, as the settings do not read it.
    assert run_env({"READ_ENV_FILE": "false"}, env_file("EMULATOR_PORT=9100\n")) == {
        "EMULATOR_PORT": "8765",
        "SHOPIFY_BASE_URL": "http://127.0.0.1:8765/{shop}",
    }


def test_real_shopify_in_env_file_is_left_alone_and_the_shells_address_wins(env_file):
    real = env_file("SHOPIFY_BASE_URL=https://{shop}\n")
    assert run_env({"EMULATOR_PORT": "8865"}, real) == {"EMULATOR_PORT": "8865"}
    shell = {"SHOPIFY_BASE_URL": "https://{shop}", "APP_URL": "https://crm.example.com"}
    assert run_env(shell, env_file(OLD_ENV)) == {
        "EMULATOR_PORT": "8765",
        "SHOPIFY_BASE_URL": "https://{shop}",
        "APP_URL": "https://crm.example.com",
    }


@pytest.mark.parametrize("port", ["eighty", "0", "70000", "-1", "８８６５"])
def test_a_port_that_is_not_one_is_refused(env_file, port):
    with pytest.raises(RunEnvError, match="EMULATOR_PORT must be a port number"):
        run_env({"EMULATOR_PORT": port}, env_file(""))


def test_make_run_s_env_files_let_the_shell_win(tmp_path):
    """What `make run` does, for real: config.runenv appends to var/make-run.env, and honcho
    reads `.env` then that file, the later winning, into the processes it starts."""
    dot_env = tmp_path / ".env"
    dot_env.write_text(OLD_ENV)
    run_file = tmp_path / "make-run.env"
    shell = {"PATH": os.environ["PATH"], "EMULATOR_PORT": "8865"}
    written = subprocess.run(
        [sys.executable, "-m", "config.runenv", "--env-file", str(dot_env)],
        cwd=ROOT,
        env=shell,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    run_file.write_text(written.stdout)

    seen = subprocess.run(
        [
            str(HONCHO),
            "run",
            "--env",
            f"{dot_env},{run_file}",
            sys.executable,
            "-c",
            "import os; print(os.environ['EMULATOR_PORT'], os.environ['SHOPIFY_BASE_URL'])",
        ],
        cwd=tmp_path,
        env=shell,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert seen.stdout.strip() == "8865 http://127.0.0.1:8865/{shop}"


def test_the_makefile_writes_them_after_env():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/python -m config.runenv >> var/make-run.env" in makefile
    assert "--env .env,var/make-run.env" in makefile
    example = (ROOT / ".env.example").read_text()
    assert "\nSHOPIFY_BASE_URL=" not in example and "\nEMULATOR_PORT=" not in example
