"""`make run`'s console (DEBUG on): a refused request is one line, not two tracebacks; a
server error keeps its traceback, once."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Logs what Django's handler logs for a refused page, a bad request and a server error, each
# with the exception being handled, as Django does.
SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.exceptions import BadRequest, PermissionDenied
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.log import log_response

    def handled(error, message, status):
        try:
            raise error
        except Exception as exc:
            request = RequestFactory().get("/crm/orders/")
            log_response(message, "/crm/orders/", response=HttpResponse(status=status),
                         request=request, exception=exc)

    handled(PermissionDenied("For staff."), "Forbidden (Permission denied): %s", 403)
    handled(BadRequest("The page must be a whole number"), "Bad page: %s", 400)
    handled(ZeroDivisionError("boom"), "Internal Server Error: %s", 500)
    """
)


def run_as_make_run() -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "READ_ENV_FILE": "false",
            "DEBUG": "true",
            "LOG_LEVEL": "INFO",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_a_refused_request_is_one_line_and_an_error_keeps_one_traceback():
    console = run_as_make_run()

    assert console.count("Forbidden (Permission denied): /crm/orders/") == 1
    assert console.count("Bad page: /crm/orders/") == 1
    assert "PermissionDenied" not in console and "BadRequest" not in console
    assert console.count("Internal Server Error: /crm/orders/") == 1
    assert console.count("Traceback (most recent call last)") == 1
    assert "ZeroDivisionError: boom" in console
