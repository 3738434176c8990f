"""Rate limiting per application: over its requests per minute, 429 with Retry-After; other
apps are not held back by it."""

import re

from django.test import override_settings


def test_an_app_over_its_rate_gets_429_with_retry_after(api, make_token, staff_user, make_order):
    make_order()
    busy = make_token(user=staff_user, rate_limit=3)
    calm = make_token(user=staff_user)
    for _ in range(3):
        assert api("get", "/api/v1/orders", busy).status_code == 200
    refused = api("get", "/api/v1/orders", busy)
    assert refused.status_code == 429
    assert re.fullmatch(r"\d+", refused["Retry-After"])
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    assert api("get", "/api/v1/orders", calm).status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=2)
def test_the_sites_default_rate_applies_to_apps_without_their_own(api, make_token, staff_user):
    token = make_token(user=staff_user)
    assert [api("get", "/api/v1/contacts", token).status_code for _ in range(3)] == [200, 200, 429]


def test_the_api_still_answers_when_redis_is_unreachable(api, make_token, staff_user, monkeypatch):
    import redis

    from api import throttling

    token = make_token(user=staff_user, rate_limit=1)
    broken = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(throttling, "_client", lambda url: broken)
    statuses = [api("get", "/api/v1/contacts", token).status_code for _ in range(2)]
    assert statuses == [200, 200]
