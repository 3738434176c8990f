"""Admin and staff pages fetched by the tests as a person reads them."""


def readable_page(client, url, raw: tuple[str, ...]) -> str:
    """The page at `url`, answered 200, holding none of the `raw` marks of Python or JSON
    printed where a person reads ("['", '{"', "Decimal(", …)."""
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for mark in raw:
        assert mark not in text, mark
    return text
