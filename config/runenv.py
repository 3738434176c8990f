"""What `make run` writes to `var/make-run.env` for the emulator, so the shell's environment
wins over `.env`.

honcho, which runs `Procfile.dev`, lets its env files override the environment it was started
in: `EMULATOR_PORT=8865 make run` was silently run on `.env`'s 8765, and the app kept asking
`.env`'s SHOPIFY_BASE_URL. `make run` reads `var/make-run.env` after `.env`, so what this
prints there wins:

- EMULATOR_PORT: the shell's, else `.env`'s, else 8765;
- SHOPIFY_BASE_URL: the shell's; else, when `.env` names none or a local emulator
  (http://127.0.0.1:PORT/{shop}), the emulator on EMULATOR_PORT; else (`.env` names real
  Shopify) nothing, and `.env`'s stands;
- APP_URL: the shell's, when it sets one (the Makefile's default, http://127.0.0.1:$PORT,
  gives way to `.env`'s).

    python -m config.runenv [--env-file PATH]    prints KEY=VALUE lines

Like config.localdb this runs before Django, with the standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from config.localdb import ROOT, _true, read_env_file

DEFAULT_EMULATOR_PORT = 8765
# A SHOPIFY_BASE_URL that names an emulator on this machine, whatever its port.
LOCAL_EMULATOR = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\]):\d+/\{shop\}/?")


class RunEnvError(ValueError):
    pass


def emulator_port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text[:6]) <= 65535):
        raise RunEnvError(f"EMULATOR_PORT must be a port number (1 to 65535), not {text!r}.")
    return int(text)


def run_env(environ=os.environ, env_file: Path = ROOT / ".env") -> dict[str, str]:
    """The values `make run` writes after `.env` (module docstring)."""
    # READ_ENV_FILE=false: `.env` is not read, here as in the settings.
    file = read_env_file(env_file) if _true(environ.get("READ_ENV_FILE", "true")) else {}
    raw_port = environ.get("EMULATOR_PORT") or file.get("EMULATOR_PORT") or ""
    port = emulator_port(raw_port.strip()) if raw_port.strip() else DEFAULT_EMULATOR_PORT
    values = {"EMULATOR_PORT": str(port)}
    if environ.get("SHOPIFY_BASE_URL"):
        values["SHOPIFY_BASE_URL"] = environ["SHOPIFY_BASE_URL"]
    elif not file.get("SHOPIFY_BASE_URL") or LOCAL_EMULATOR.fullmatch(file["SHOPIFY_BASE_URL"]):
        values["SHOPIFY_BASE_URL"] = f"http://127.0.0.1:{port}/{{shop}}"
    if environ.get("APP_URL"):
        values["APP_URL"] = environ["APP_URL"]
    return values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env")
    args = parser.parse_args(argv)
    try:
        values = run_env(os.environ, args.env_file)
    except RunEnvError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 2
    for key, value in values.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
