"""What the visual tour asserts of every page, as small functions of a page's visible text (unit
tested in test_visual_checks.py, so a check cannot silently pass everything), and the scripts
it runs in the browser for overflow and accessibility."""

from __future__ import annotations

import re
from functools import cache

from babel.numbers import get_currency_precision, get_currency_symbol, list_currencies

LOCALE = "en_US"  # the locale every page shows money and numbers in

# Python or JSON where a person should read words: reprs, lists, objects, raw decimals, text
# escaped twice. Each with what a reader of the failure needs to know.
RAW_DATA = [
    (re.compile(r"Decimal\("), "Python Decimal repr"),
    (re.compile(r"\b(?:datetime\.)?(?:datetime|date|time)\(\d"), "Python date repr"),
    (re.compile(r"object at 0x[0-9a-f]+"), "Python object repr"),
    (re.compile(r"Traceback \(most recent call last\)"), "Python traceback"),
    (re.compile(r"\[\s*['\"{\[]"), "Python or JSON list"),
    (re.compile(r"\{\s*['\"]"), "Python or JSON object"),
    (re.compile(r"\d\.\d*0{4,}(?!\d*%)\b"), "raw decimal (trailing zeros)"),
    # "593.340", "0.000": a stored money value (three decimals) printed as it is.
    (re.compile(r"(?<![\w.,])\d[\d,]*\.\d{2}0(?![\d.])"), "raw decimal (three decimals)"),
    (re.compile(r"\bNone:"), "Python None"),
    (re.compile(r"(?:^|\t|: )None(?:\t|$)", re.MULTILINE), "Python None as a value"),
    (re.compile(r"&(?:amp|lt|gt|quot|#x27|#39);"), "HTML escaped twice"),
    (re.compile(r"\{[#%{].*?[#%}]\}", re.DOTALL), "Django template syntax shown as text"),
]


def raw_data_problems(text: str) -> list[str]:
    """Python or JSON in a page's visible text, each with the text around it."""
    problems = []
    for pattern, what in RAW_DATA:
        for match in list(pattern.finditer(text))[:3]:
            problems.append(f"{what}: {_around(text, match)}")
    return problems


# The currencies a page may show when the tour does not say (the stores' and orders' ones).
COMMON_CURRENCIES = ("USD", "EUR", "SEK", "GBP", "JPY", "DKK", "NOK", "CHF", "CAD", "AUD")


@cache
def _symbols() -> dict[str, str]:
    """Symbol -> ISO code, for the symbols en_US gives one currency only ($ is USD, € EUR,
    CA$ CAD); letters only ("Kr") are too like words to look for."""
    by_symbol: dict[str, set[str]] = {}
    for code in list_currencies():
        symbol = get_currency_symbol(code, LOCALE)
        if symbol != code and not symbol.isalpha():
            by_symbol.setdefault(symbol, set()).add(code)
    return {symbol: codes.pop() for symbol, codes in by_symbol.items() if len(codes) == 1}


@cache
def _patterns(currencies: tuple[str, ...]):
    codes = "|".join(sorted(currencies))
    symbols = "|".join(re.escape(s) for s in sorted(_symbols(), key=len, reverse=True))
    return {
        # "$1,234.50", "-€5.00", "SEK 1,234.50", "CA$12.00": a symbol or a code, the number.
        "amount": re.compile(
            rf"(?<![\w$€£¥])(?P<unit>{symbols}|\b(?:{codes})[\s\xa0]?)"
            rf"(?P<number>\d[\d,]*(?:\.\d+)?)(?![\d.,]*\d)"
        ),
        # "91.840 USD", "616.70 EUR": the number first, a space, then the code (the old style).
        "number_then_code": re.compile(rf"\d(?:[\d,.]*\d)?[\s\xa0]+(?:{codes})\b"),
        # "USD: 1099.05": a code, a colon, a number (a dict printed, not an amount).
        "code_colon_number": re.compile(rf"\b(?:{codes}):\s*-?\d"),
        # "▼ -4.7 %": an arrow and a sign say the same thing twice.
        "double_sign": re.compile(r"[▲▼↑↓]\s*[-+−]"),
        # "Repeat purchase rate 0.62": a rate is shown as a percentage (62%).
        "fraction_rate": re.compile(r"(?i)\brate\b\W+(?:CSV\W+)?[01]\.\d+(?![\d%])(?!\s%)"),
        # "4.7 %": en_US writes a percentage without a space.
        "spaced_percent": re.compile(r"\d[\s\xa0]+%"),
    }


def money_problems(text: str, currencies=COMMON_CURRENCIES) -> list[str]:
    """Amounts not as babel's format_currency writes them in en_US: "$1,234.50", "€1,234.50",
    "SEK 1,234.50", "¥1,235" pass; "91.840 USD", "$1234.50", "$12.5", "¥1,235.00" do not.
    `currencies`: the ISO codes the page may show (a code is looked for only among them, so
    "ALL 5 stores" is no amount of Albanian lek)."""
    patterns = _patterns(tuple(sorted(set(currencies))))
    symbols = _symbols()
    problems = []
    for key, what in [
        ("number_then_code", "amount with the code after it (not en_US)"),
        ("code_colon_number", "currency code and colon before a number"),
        ("double_sign", "an arrow and a sign"),
        ("fraction_rate", "a rate as a fraction, not a percentage"),
        ("spaced_percent", "a space before %"),
    ]:
        for match in list(patterns[key].finditer(text))[:3]:
            problems.append(f"{what}: {_around(text, match)}")
    for match in patterns["amount"].finditer(text):
        unit = match["unit"].strip().replace("\xa0", "")
        code = symbols.get(unit, unit)
        whole, _, decimals = match["number"].partition(".")
        expected = get_currency_precision(code)
        if len(decimals) != expected:
            problems.append(
                f"{code} amount with {len(decimals)} decimals, not {expected}: "
                f"{_around(text, match)}"
            )
        elif not re.fullmatch(r"\d{1,3}(?:,\d{3})*", whole):
            problems.append(f"{code} amount not grouped by thousands: {_around(text, match)}")
        if len(problems) >= 8:
            break
    return problems


def _around(text: str, match: re.Match, width: int = 30) -> str:
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return repr(" ".join(text[start:end].split()))


# The visible text a person reads: the page's text without code blocks (a webhook's body is
# shown as Shopify sent it, on purpose), and the values of visible form fields (a field that
# asks for JSON is raw JSON too).
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, template').forEach(el => el.remove());
  const holder = document.createElement('div');
  holder.style.cssText = 'position:absolute;left:-99999px;width:1280px';
  holder.appendChild(body);
  document.documentElement.appendChild(holder);
  const text = body.innerText;
  holder.remove();
  const fields = [...document.querySelectorAll('input:not([type=hidden]), textarea')]
    .filter(el => el.offsetParent !== null && el.value && !['checkbox', 'radio', 'submit',
      'button', 'password'].includes(el.type))
    .map(el => `${el.name}: ${el.value}`);
  return text + '\\n' + fields.join('\\n');
}"""

# In the browser: a page without a stylesheet, the document wider than the window, and the
# elements of the main content
# wider than the window or reaching past its right edge (outermost ones only; hidden ones and
# those moved off-screen on purpose do not count).
LAYOUT_SCRIPT = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const found = [];
  if (document.styleSheets.length === 0) found.push('no stylesheet: the page is unstyled');
  if (doc.scrollWidth > width) {
    found.push(`the page is ${doc.scrollWidth} px wide in a ${width} px window`);
  }
  const main = document.querySelector('#content, main, #container') || document.body;
  const named = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  // A box that scrolls sideways (a list in Django's admin) hides what does not fit: the list
  // does not fit 1280 px even when the page does.
  for (const el of main.querySelectorAll('*')) {
    if (['TEXTAREA', 'PRE', 'CODE', 'SELECT', 'INPUT'].includes(el.tagName)) continue;
    if (!['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${named(el)} scrolls sideways: ${el.scrollWidth} px of content ` +
        `in a ${el.clientWidth} px box`);
    }
  }
  const reported = [];
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.left < -500) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.position === 'fixed') continue;
    if (box.width <= width + 1 && box.right + window.scrollX <= width + 1) continue;
    if (reported.some(parent => parent.contains(el))) continue;
    reported.push(el);
    found.push(`${named(el)} is ${Math.round(box.width)} px wide, ` +
      `its right edge at ${Math.round(box.right + window.scrollX)} px`);
    if (reported.length >= 5) break;
  }
  return found;
}"""

# What counts: a critical or serious violation (axe-core's impacts).
SERIOUS = {"critical", "serious"}


def axe_violations(response: dict) -> list[dict]:
    """The critical and serious violations of an axe-core result, one per rule and node, as
    {"rule", "impact", "target", "html", "help"}."""
    found = []
    for violation in response.get("violations", []):
        if violation.get("impact") not in SERIOUS:
            continue
        for node in violation.get("nodes", []):
            found.append(
                {
                    "rule": violation["id"],
                    "impact": violation["impact"],
                    "target": " ".join(map(str, node.get("target", []))),
                    "html": node.get("html", "")[:300],
                    "help": violation.get("help", ""),
                }
            )
    return found


def element_kind(target: str, html: str = "") -> str:
    """An axe target without what tells one such element from another: attribute values and
    positions ('.breadcrumbs > a[href$="crm/"]' and '.breadcrumbs > a[href$="auth/"]' are the
    same link of the same template), and a field's id, which names the model's field, replaced
    by its tag and classes ('#id_expires_0' and '#id_date_joined_0' are both Django's
    'input.vDateField')."""
    kind = re.sub(r"\[[^\]]*\]|:nth-(?:child|of-type)\(\d+\)", "", target)
    tag = re.match(r"<(\w+)", html)
    if tag and re.search(r"#id_[\w-]+$", kind):
        classes = re.search(r'class="([^"]*)"', html)
        element = tag[1] + "".join(f".{c}" for c in (classes[1].split() if classes else []))
        kind = re.sub(r"#id_[\w-]+$", element, kind)
    return kind


def stock_key(violation: dict) -> tuple[str, str]:
    return violation["rule"], element_kind(violation["target"], violation.get("html", ""))


def not_stock(violations: list[dict], stock: set[tuple[str, str]]) -> list[dict]:
    """The violations not also found, same rule on the same kind of element, on Django's own
    admin pages (the tour measures those on pages that draw nothing of ours)."""
    return [v for v in violations if stock_key(v) not in stock]


def describe_violations(violations: list[dict]) -> list[str]:
    """One line per rule: its impact, what it asks, and the elements (the first four)."""
    by_rule: dict[str, list[dict]] = {}
    for violation in violations:
        by_rule.setdefault(violation["rule"], []).append(violation)
    lines = []
    for rule, found in by_rule.items():
        first = found[0]
        targets = ", ".join(v["target"] for v in found[:4])
        more = f" and {len(found) - 4} more" if len(found) > 4 else ""
        lines.append(
            f"axe {first['impact']} {rule} ({first['help']}) at {targets}{more}: "
            f"{first['html'][:100]}"
        )
    return lines
