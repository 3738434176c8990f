import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_a_superuser_once_and_prints_a_working_login():
    output = run("ensure_admin")
    username, password = re.search(r"Admin login: (\S+) / (\S+)", output).groups()

    user = authenticate(username=username, password=password)
    assert user is not None and user.is_superuser and user.is_staff
    assert len(password) >= 16

    again = run("ensure_admin")

    assert "A superuser exists already" in again
    assert "changepassword admin" in again
    assert password not in again
    assert get_user_model().objects.count() == 1
