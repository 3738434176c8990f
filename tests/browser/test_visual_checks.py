"""The visual tour's checks on sample texts: each finds what it is for and passes what a page
should show, so the tour cannot silently pass everything."""

import pytest
from babel.numbers import format_currency, format_percent

from tests.browser.visual_checks import (
    LAYOUT_SCRIPT,
    VISIBLE_TEXT,
    axe_violations,
    describe_violations,
    element_kind,
    money_problems,
    not_stock,
    raw_data_problems,
    stock_key,
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Total Decimal('91.84')", "Python Decimal repr"),
        ("Tags: ['gift-buyer']", "Python or JSON list"),
        ('Tags: ["gift-buyer"]', "Python or JSON list"),
        ('Filters {"require_email": true}', "Python or JSON object"),
        ("Properties: {'tier': 'gold'}", "Python or JSON object"),
        ("Revenue 19886.8900000000", "raw decimal (trailing zeros)"),
        ("Revenue 1099.05000000000", "raw decimal (trailing zeros)"),
        ("Total:\t593.340", "raw decimal (three decimals)"),
        ("Shipping 0.000", "raw decimal (three decimals)"),
        ("Failing records: contacts None: phone invalid", "Python None"),
        ("Company\tNone\tAcme", "Python None as a value"),
        ("{# Django's search box #}", "Django template syntax shown as text"),
        ("Hello {{ user }}", "Django template syntax shown as text"),
        ("Company: None", "Python None as a value"),
        ("<crm.models.Contact object at 0x7f3a2c1e>", "Python object repr"),
        ("Placed datetime.date(2026, 11, 1)", "Python date repr"),
        ("Fish &amp; chips", "HTML escaped twice"),
        ("Traceback (most recent call last):", "Python traceback"),
    ],
)
def test_raw_python_and_json_is_found(text, found):
    problems = raw_data_problems(text)
    assert [p.split(":")[0] for p in problems] == [found]


@pytest.mark.parametrize(
    "text",
    [
        "Tags: gift-buyer, vip",
        "Properties\nTier\tGold",
        "Revenue $19,886.89 from 1,000 orders",
        "None of your stores needs attention.",
        "Fish & chips [beta] {draft}",
        "Order #1001 placed Nov. 1, 2026, noon",
        "Shopify id 1000001",
        "Weight 1.5 kg, version 2026-10, address 10.0.0.100, 4.7%",
    ],
)
def test_words_for_people_pass(text):
    assert raw_data_problems(text) == []


@pytest.mark.parametrize(
    "text",
    [
        format_currency(1234.5, "USD", locale="en_US"),
        format_currency(1234.5, "EUR", locale="en_US"),
        format_currency(1234.5, "SEK", locale="en_US"),
        "SEK 1,234.50",  # the code spaced from the number, as some CLDR patterns write it
        format_currency(1234.5, "JPY", locale="en_US"),
        format_currency(-5, "EUR", locale="en_US"),
        format_currency(1234567.891, "USD", locale="en_US"),
        format_currency(0, "USD", locale="en_US"),
        f"Revenue {format_currency(91.84, 'USD', locale='en_US')}, "
        f"up {format_percent(0.047, locale='en_US')}",
        "▲ 4.7% on the previous period, rate 67%",
        "Repeat purchase rate\nCSV\n62%",
        "ALL 5 stores: 12 orders (ID 1234)",
    ],
)
def test_amounts_as_babel_writes_them_pass(text):
    assert money_problems(text, ("USD", "EUR", "SEK", "JPY")) == []


def test_babel_writes_the_amounts_the_checks_expect():
    """The samples above are babel's own output: if babel's en_US formats changed, the checks
    would be tested against the wrong thing."""
    assert format_currency(1234.5, "USD", locale="en_US") == "$1,234.50"
    assert format_currency(1234.5, "EUR", locale="en_US") == "€1,234.50"
    assert format_currency(1234.5, "SEK", locale="en_US") == "SEK1,234.50"
    assert format_currency(1234.5, "JPY", locale="en_US") == "¥1,234"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Total 91.840 USD", "amount with the code after it (not en_US)"),
        ("Lifetime 616.70 EUR", "amount with the code after it (not en_US)"),
        ("USD: 1099.05", "currency code and colon before a number"),
        ("Revenue ▼ -4.7 %", "an arrow and a sign"),
        ("Conversion 4.7 %", "a space before %"),
        ("Repeat purchase rate\nCSV\n0.62", "a rate as a fraction, not a percentage"),
        ("Cart recovery rate 0.00 revenue", "a rate as a fraction, not a percentage"),
        ("Total $91.840", "USD amount with 3 decimals, not 2"),
        ("Total $12.5", "USD amount with 1 decimals, not 2"),
        ("Total €12", "EUR amount with 0 decimals, not 2"),
        ("Total ¥1,235.00", "JPY amount with 2 decimals, not 0"),
        ("Total SEK 1234.50", "SEK amount not grouped by thousands"),
        ("Total $1234.50", "USD amount not grouped by thousands"),
    ],
)
def test_amounts_not_as_babel_writes_them_are_found(text, found):
    problems = money_problems(text, ("USD", "EUR", "SEK", "JPY"))
    assert found in [p.split(":")[0] for p in problems]


def test_every_problem_on_a_page_is_listed_with_its_place():
    text = "Ann 91.840 USD · Bo 616.70 EUR · Cy $1234.50"
    problems = money_problems(text, ("USD", "EUR"))
    assert len(problems) == 3
    assert "'Ann 91.840 USD · Bo 616.70 EUR · Cy $1234.50'" in problems[0]


AXE_RESULT = {
    "violations": [
        {
            "id": "color-contrast",
            "impact": "serious",
            "help": "Elements must meet minimum color contrast ratio thresholds",
            "nodes": [
                {"target": ["#changelist-search > div > input"], "html": "<input>"},
                {"target": [".stage-open"], "html": '<span class="stage-open">Open</span>'},
            ],
        },
        {
            "id": "region",
            "impact": "moderate",
            "help": "All page content should be contained by landmarks",
            "nodes": [{"target": ["p"], "html": "<p>"}],
        },
        {
            "id": "th-has-data-cells",
            "impact": "critical",
            "help": "Table headers should have data cells",
            "nodes": [{"target": ["th:nth-child(3)"], "html": "<th></th>"}],
        },
    ]
}


def test_only_critical_and_serious_violations_count():
    found = axe_violations(AXE_RESULT)
    assert [(v["rule"], v["target"]) for v in found] == [
        ("color-contrast", "#changelist-search > div > input"),
        ("color-contrast", ".stage-open"),
        ("th-has-data-cells", "th:nth-child(3)"),
    ]


def test_violations_are_reported_one_line_per_rule():
    lines = describe_violations(axe_violations(AXE_RESULT))
    assert lines == [
        "axe serious color-contrast (Elements must meet minimum color contrast ratio "
        "thresholds) at #changelist-search > div > input, .stage-open: <input>",
        "axe critical th-has-data-cells (Table headers should have data cells) at "
        "th:nth-child(3): <th></th>",
    ]


def test_violations_django_shows_on_its_own_pages_are_left_to_django():
    stock = {("color-contrast", "#changelist-search > div > input")}
    ours = not_stock(axe_violations(AXE_RESULT), stock)
    assert [(v["rule"], v["target"]) for v in ours] == [
        ("color-contrast", ".stage-open"),
        ("th-has-data-cells", "th:nth-child(3)"),
    ]


def test_the_same_element_of_django_is_known_on_every_page():
    """Django's breadcrumbs link to each app: the same element of the same template."""
    on_auth = {"rule": "link-in-text-block", "target": '.breadcrumbs > a[href$="auth/"]'}
    on_crm = {"rule": "link-in-text-block", "target": '.breadcrumbs > a[href$="crm/"]'}
    ours = {"rule": "link-in-text-block", "target": "#store-deliveries > ul > li:nth-child(1) > a"}
    stock = {stock_key(on_auth)}
    assert not_stock([on_crm, ours], stock) == [ours]
    assert element_kind("#store-deliveries > ul > li:nth-child(2) > a") == (
        "#store-deliveries > ul > li > a"
    )


def test_a_field_is_known_by_its_widget_not_by_its_name():
    """Django's split date and time widget on the users' page and on a token's page."""
    date_joined = (
        '<input type="text" name="date_joined_0" class="vDateField" id="id_date_joined_0">'
    )
    expires = '<input type="text" name="expires_0" class="vDateField" size="10" id="id_expires_0">'
    phone = '<input type="text" name="phone" class="vTextField" id="id_phone">'
    assert element_kind("#id_date_joined_0", date_joined) == "input.vDateField"
    assert element_kind("#id_expires_0", expires) == "input.vDateField"
    assert element_kind("#id_phone", phone) == "input.vTextField"
    assert element_kind("#searchbar", '<input id="searchbar">') == "#searchbar"


# The browser-side checks, on pages written here (no server).

STYLED = "<style>body { margin: 0; font: 16px sans-serif }</style>"


def test_a_page_that_fits_passes_the_layout_check(page):
    page.set_content(f"{STYLED}<div id='content'><table><tr><td>Ann</td></tr></table></div>")
    assert page.evaluate(LAYOUT_SCRIPT) == []


def test_a_list_wider_than_the_window_is_found_even_inside_a_scrolling_box(page):
    page.set_content(
        f"{STYLED}<div id='content'><div class='results' style='overflow-x: auto'>"
        "<table id='result_list' style='width: 1500px'><tr><td>Ann</td></tr></table>"
        "</div></div>"
    )
    found = page.evaluate(LAYOUT_SCRIPT)
    assert found == [
        "div.results scrolls sideways: 1500 px of content in a 1280 px box",
        "table#result_list is 1500 px wide, its right edge at 1500 px",
    ]


def test_a_list_cut_by_its_scrolling_box_is_found_though_the_page_fits(page):
    page.set_content(
        f"{STYLED}<div id='content'><div class='results' style='overflow-x: auto; width: 800px'>"
        "<table id='result_list' style='width: 1000px'><tr><td>Ann</td></tr></table>"
        "</div></div>"
    )
    found = page.evaluate(LAYOUT_SCRIPT)
    assert found == ["div.results scrolls sideways: 1000 px of content in a 800 px box"]


def test_a_page_wider_than_the_window_is_found(page):
    page.set_content(f"{STYLED}<main><div style='width: 1600px'>Board</div></main>")
    found = page.evaluate(LAYOUT_SCRIPT)
    assert found[0] == "the page is 1600 px wide in a 1280 px window"
    assert found[1] == "div is 1600 px wide, its right edge at 1600 px"


def test_a_page_without_styles_is_found(page):
    page.set_content("<h1>Not allowed</h1>")
    assert page.evaluate(LAYOUT_SCRIPT) == ["no stylesheet: the page is unstyled"]


def test_the_visible_text_leaves_out_code_blocks_and_holds_form_values(page):
    page.set_content(
        f'{STYLED}<p>Tags: gift-buyer</p><pre>{{"id": 1}}</pre>'
        "<textarea name='options'>[\"Web\"]</textarea><input type='hidden' name='x' value='[1]'>"
    )
    text = page.evaluate(VISIBLE_TEXT)
    assert "Tags: gift-buyer" in text
    assert '{"id": 1}' not in text
    assert 'options: ["Web"]' in text
    assert "[1]" not in text
