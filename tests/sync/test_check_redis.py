import pytest
from django.core.management import CommandError, call_command


def test_check_redis_says_how_to_start_redis_when_it_does_not_answer(settings):
    settings.REDIS_URL = "redis://:hunter2@127.0.0.1:1/0"

    with pytest.raises(CommandError) as error:
        call_command("check_redis")

    message = str(error.value)
    assert "Redis does not answer at redis://***@127.0.0.1:1/0" in message
    assert "redis-server --daemonize yes" in message
    assert "hunter2" not in message


def test_check_redis_passes_when_redis_answers(capsys, settings):
    call_command("check_redis")

    # Whichever Redis database the tests were given.
    assert f"Redis answers at {settings.REDIS_URL}" in capsys.readouterr().out
