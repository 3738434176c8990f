"""The visual tour: a superuser and a shop employee open every page of the product at 1280 px
with DEBUG off, on two synced stores (USD and EUR). Each page must answer what it should (never
5xx), fit the window, show no Python or JSON, write money as babel does in en_US, and have no
critical or serious accessibility violation of ours (axe-core). Every problem of every page is
collected and reported at once, per user, with the page's URL. Screenshots of every page are
kept in VISUAL_TOUR_DIR (default var/visual-tour/), one folder per user: look at them."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from crm.models import Cart
from tests.browser import tour_data, tour_pages
from tests.browser.tour_pages import ADMIN, POST_ONLY, THIRD_PARTY, Page
from tests.browser.visual_checks import (
    LAYOUT_SCRIPT,
    VISIBLE_TEXT,
    axe_violations,
    describe_violations,
    money_problems,
    not_stock,
    raw_data_problems,
    stock_key,
)

SHOTS = Path(os.environ.get("VISUAL_TOUR_DIR", "var/visual-tour"))

# A page's structure without its words: every element's tag, id, classes, role, ARIA and type
# attributes (whether it has a label, not the label), and whether it holds text. axe-core judges
# structure and style: a page built like one already checked is not checked again (Checked).
STRUCTURE = """() => [...document.body.querySelectorAll('*')].map(el => [
    el.tagName, el.id, el.className && el.className.baseVal === undefined ? el.className : '',
    ...[...el.attributes].filter(a => a.name === 'role' || a.name === 'type' ||
      a.name.startsWith('aria-'))
      .map(a => a.name.endsWith('label') ? a.name : a.name + '=' + a.value),
    [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) ? 'text' : '',
  ].join(' ')).join('\\n')"""

CSV_LINKS = """() => [...document.querySelectorAll('a[href]')]
  .map(a => a.href)
  .filter(href => /format=csv|\\.csv(\\?|$)/.test(href))"""


@dataclass
class Checked:
    """What axe-core has checked, for both users. A page built like one already checked (the
    same list for another user) is not checked again; colour contrast, which the styles of a
    template decide (axe's slowest rule by far), is checked on the first page of each route."""

    structures: set[int] = field(default_factory=set)
    contrast: set[str] = field(default_factory=set)


class Tour:
    """One user's walk: opens each page, collects what is wrong with it."""

    def __init__(self, page, base_url, who, data, stock_violations, checked: Checked):
        self.page = page
        self.base_url = base_url
        self.who = who
        self.currencies = data.currencies
        self.stock = stock_violations
        self.checked = checked  # shared by the users' tours
        self.problems: dict[str, list[str]] = defaultdict(list)
        self.csv_links: set[str] = set()
        self.failed_files: list[str] = []
        self.errors: list[str] = []
        self.axe = Axe()
        self.shots = SHOTS / who
        shutil.rmtree(self.shots, ignore_errors=True)
        self.shots.mkdir(parents=True)
        self.count = self.axe_runs = 0
        self.seconds: dict[str, float] = defaultdict(float)  # where the tour's time goes
        page.on("response", self._file_answered)
        page.on("pageerror", lambda error: self.errors.append(f"JavaScript error: {error}"))

    @contextmanager
    def timed(self, what: str):
        started = time.perf_counter()
        yield
        self.seconds[what] += time.perf_counter() - started

    def _file_answered(self, response):
        if response.request.resource_type in {"stylesheet", "script", "image", "font"} and (
            response.status >= 400
        ):
            self.failed_files.append(f"{response.status} for {response.url}")

    def report(self, page: Page, problem: str):
        self.problems[f"{page.name} <{page.url}>"].append(problem)

    def visit(self, page: Page):
        """Open the page and check it; what goes wrong, even a page that never loads, is
        reported and the tour goes on."""
        try:
            self._visit(page)
        except PlaywrightError as error:
            self.report(page, f"could not be checked: {str(error).splitlines()[0]}")

    def _visit(self, page: Page):
        if not page.url:
            self.report(page, "no seeded record to open: seed one in tests/browser/tour_data.py")
            return
        if not page.look:
            return self.fetch(page)
        self.failed_files.clear()
        self.errors.clear()
        with self.timed("load"):
            response = self.page.goto(self.base_url + page.url, wait_until="load")
        status = response.status if response else 0
        if status != page.status and status not in page.also:
            self.report(page, f"answered {status}, not {page.status}")
        if status >= 500 or status == 405:
            return  # a failure, or no page (a route for forms to post to)
        landed = self.page.url.removeprefix(self.base_url)
        if landed.split("?")[0] != page.url.split("?")[0]:
            self.report(page, f"redirected to {landed}")
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", page.name.lower()).strip("-")
        with self.timed("screenshot"):
            self.page.screenshot(path=self.shots / f"{self.count:03d}-{slug}.png", full_page=True)
        for problem in self.check(page):
            self.report(page, problem)
        self.csv_links.update(self.page.evaluate(CSV_LINKS))

    def check(self, page: Page) -> list[str]:
        problems = [f"file not loaded: {failed}" for failed in self.failed_files]
        problems += list(self.errors)
        problems += [f"layout: {found}" for found in self.page.evaluate(LAYOUT_SCRIPT)]
        text = self.page.evaluate(VISIBLE_TEXT)
        problems += [f"raw data: {found}" for found in raw_data_problems(text)]
        problems += [f"money: {found}" for found in money_problems(text, self.currencies)]
        if page.csv and not self.page.evaluate(CSV_LINKS):
            problems.append("no CSV link: what the page lists cannot be exported")
        structure = hash(self.page.evaluate(STRUCTURE))
        if page.drawn_by != THIRD_PARTY and structure not in self.checked.structures:
            self.checked.structures.add(structure)
            self.axe_runs += 1
            options = {"resultTypes": ["violations"]}
            template = page.route or page.url
            if template in self.checked.contrast:
                options["rules"] = {"color-contrast": {"enabled": False}}
            self.checked.contrast.add(template)
            with self.timed("axe"):
                violations = axe_violations(self.axe.run(self.page, options=options).response)
            if page.drawn_by == ADMIN:
                violations = not_stock(violations, self.stock)
            problems += describe_violations(violations)
        return problems

    def fetch(self, page: Page, url: str | None = None):
        response = self.page.request.get(
            url or self.base_url + page.url, max_redirects=0, fail_on_status_code=False
        )
        if response.status != page.status:
            self.report(page, f"answered {response.status}, not {page.status}")
            return
        if page.status != 200:
            return
        kind = response.headers.get("content-type", "")
        if page.kind == "csv":
            self.check_csv(page, kind, response.text())
        elif page.kind == "json" and "json" not in kind:
            self.report(page, f"is {kind}, not JSON")

    def check_csv(self, page: Page, kind: str, text: str):
        if "text/csv" not in kind:
            self.report(page, f"is {kind}, not CSV")
            return
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            self.report(page, "is empty: not even a header row")
            return
        numbers = [cell for cell in rows[0] if re.fullmatch(r"-?[\d.,]+", cell.strip())]
        if numbers or not all(cell.strip() for cell in rows[0]):
            self.report(page, f"has no header row: its first row is {rows[0][:6]}")

    def linked_csvs(self):
        """Every CSV a page links to: fetched, it must answer a CSV with a header row (one
        link per path: the same export for another period or filter is the same code)."""
        by_path = {}
        for url in sorted(self.csv_links):
            by_path.setdefault(url.split("?")[0], url.removeprefix(self.base_url))
        for path in by_path.values():
            self.fetch(Page(f"CSV linked from a page: {path}", path, look=False, kind="csv"))

    def post_only_routes(self, args_by_route: dict[str, list]):
        """The routes kept out of the tour as POST only must stay so: one that answers a GET
        with a page is a page the tour should open."""
        for route in POST_ONLY:
            url = reverse(route, args=args_by_route[route])
            response = self.page.request.get(
                self.base_url + url, max_redirects=0, fail_on_status_code=False
            )
            if response.status != 405:
                self.report(
                    Page(f"{route} (listed as POST only)", url),
                    f"answered {response.status} to GET, not 405: a page to add to the tour",
                )


def log_in(page, base_url, user):
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", tour_data.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def format_problems(who: str, problems: dict[str, list[str]]) -> str:
    lines = [f"{who}: {len(problems)} pages with problems"]
    for where, found in problems.items():
        lines.append(f"  {where}")
        lines += [f"    - {problem}" for problem in found]
    return "\n".join(lines)


@pytest.fixture
def data(shopify_emulator, settings, production_live_server, redis_connection, django_user_model):
    settings.DEBUG = False
    return tour_data.seed(shopify_emulator, settings, production_live_server, django_user_model)


def stock_admin_violations(browser, base_url, data) -> set[tuple[str, str]]:
    """The critical and serious violations Django's admin shows on its own pages (the login,
    and the users' and groups' pages, which draw nothing of ours): left to Django elsewhere."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    axe = Axe()
    found = set()
    page.goto(f"{base_url}/admin/login/")
    found |= {stock_key(v) for v in axe_violations(axe.run(page).response)}
    log_in(page, base_url, data.superuser)
    group = data.employee.groups.get()
    for url in [
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[data.employee.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_change", args=[group.pk]),
        reverse("admin:password_change"),
    ]:
        page.goto(base_url + url)
        found |= {stock_key(v) for v in axe_violations(axe.run(page).response)}
    context.close()
    return found


def walk(browser, base_url, user, pages, data, stock, checked, post_only_args):
    """One user's tour in a browser context of its own."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    who = "superuser" if user.is_superuser else "employee"
    tour = Tour(page, base_url, who, data, stock, checked)
    if user.is_superuser:
        # The login page, as anyone meets it first.
        tour.visit(Page("log in", reverse("admin:login"), "admin:login", drawn_by=ADMIN))
    log_in(page, base_url, user)
    for each in pages:
        tour.visit(each)
    tour.linked_csvs()
    tour.post_only_routes(post_only_args)
    context.close()
    spent = ", ".join(f"{what} {seconds:.0f} s" for what, seconds in tour.seconds.items())
    print(
        f"{who}: {tour.count} pages looked at, {tour.axe_runs} checked by axe ({spent}); "
        f"screenshots in {tour.shots}"
    )
    return tour


@pytest.mark.django_db(transaction=True)
def test_every_page_for_a_superuser_and_a_shop_employee(browser, production_live_server, data):
    # Production's static files: WhiteNoise serving what collectstatic gathered, hashed.
    base_url = production_live_server.url
    stock = stock_admin_violations(browser, base_url, data)
    print("Left to Django (seen on its own pages):", sorted(stock))
    order = data.showcase["crm.Order"]
    cart = Cart.objects.order_by("pk").first()
    post_only_args = {
        "crm:order_properties": [order.pk],
        "crm:order_delete": [order.pk],
        "crm:cart_properties": [cart.pk],
        "crm:cart_delete": [cart.pk],
        "admin:sync_turn_off": [data.us.pk, "contacts"],
    }
    # A page built like one axe-core already checked, for either user, is not checked again.
    checked = Checked()
    tours, toured_routes = [], set()
    for user in (data.superuser, data.employee):
        pages = tour_pages.tour(user, data)
        toured_routes |= {page.route for page in pages}
        tours.append(walk(browser, base_url, user, pages, data, stock, checked, post_only_args))
    reports = [format_problems(tour.who, tour.problems) for tour in tours if tour.problems]

    untoured = set(tour_pages.our_routes()) - toured_routes - set(tour_pages.NOT_TOURED)
    if untoured:
        reports.append(
            "Routes neither toured nor listed in tour_pages.NOT_TOURED with a reason: "
            + ", ".join(sorted(untoured))
        )
    assert not reports, "\n\n".join(reports)


def test_the_routes_of_ours_and_their_arguments():
    """What the coverage check and the pages found by their route stand on: the routes of
    ours are the staff pages, the dashboards and the admin's pages beyond Django's (set-up
    steps), with their arguments' names; Django's own and django-rq's are not."""
    routes = tour_pages.our_routes()
    assert routes["crm:orders"] == []
    assert routes["crm:order"] == ["order_id"]
    assert routes["admin:sync_setup_limit"] == ["store_id", "object_type"]
    assert routes["dashboards:report_csv"] == ["dashboard_id", "key"]
    assert "admin:crm_contact_changelist" not in routes
    assert "admin:django_rq_home" not in routes
    assert set(tour_pages.NOT_TOURED) <= set(routes)
