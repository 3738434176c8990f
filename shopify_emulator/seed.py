"""Fill a shop with realistic, varied and deterministic data for demos, tests and load tests.

    seed(shop, customers=100, companies=5, products=20, orders=300, checkouts=40)

Records are built with the builders in records.py and left in the states the actions in
actions.py would have left them in (paid, fulfilled, delivered, refunded, cancelled, a checkout
completed into an order), but directly: seeding emits no webhooks and skips the actions'
validation, whose per-record scans of the shop would make large seeds far too slow. Instead the
seed scans the shop once and keeps pools (customers, variants, emails, SKUs) as it goes.

The same arguments (`seed` and `now`) on an empty shop give identical records: all chance comes
from one `random.Random(seed)` and all times from `now`.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import gc
import itertools
import random
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from shopify_emulator import records, transitions

# A completed checkout's order gets what actions.complete_checkout gives it: no shipping and the
# default tax rate, the one actions.create_checkout also uses.
from shopify_emulator.actions import TAX_RATE as DEFAULT_TAX_RATE
from shopify_emulator.seed_data import (
    ACCOUNT_STATES,
    ADDRESS_COUNTS,
    ADJECTIVES,
    ASCII_LETTERS,
    CASE_DUPLICATE_SHARE,
    CATALOGUE,
    CHECKOUT_CUSTOMER_SHARE,
    CHECKOUT_ORDER_STATUSES,
    COMPANY_KINDS,
    COMPANY_WORDS,
    COMPLETED_CHECKOUT_SHARE,
    CONTACT_TITLES,
    COUNTRIES,
    COUNTRY_SHARES,
    CREATED_AS,
    CUSTOMER_NOTES,
    CUSTOMER_ORDER_SHARE,
    CUSTOMER_TAGS,
    DESCRIPTIONS,
    EMAIL_CONSENT,
    EMAIL_DOMAINS,
    EMAIL_PATTERNS,
    FINANCIAL_STATUSES,
    FOREIGN_NAME_SHARE,
    FREE_SHIPPING_USD,
    LINE_COUNTS,
    LINE_DISCOUNT_SHARE,
    LINE_DISCOUNTS,
    LOCAL_CURRENCY_SHARE,
    LOCATION_KINDS,
    NAME_POOLS,
    NAMES,
    NO_EMAIL_CUSTOMER_ORDER_SHARE,
    NO_EMAIL_SHARE,
    OPTION_VALUES,
    ORDER_NOTES,
    ORDER_TAGS,
    PRICED_BY_AMOUNT,
    PRODUCT_STATUSES,
    PRODUCT_TAGS,
    PRODUCT_TYPES,
    QUANTITIES,
    REFUND_CANCEL_REASONS,
    REFUND_NOTES,
    SALE_SHARE,
    SHIPPABLE,
    SHIPPING_USD,
    SINGLE_VARIANT_SHARE,
    SMS_CONSENT,
    SOURCES,
    VENDORS,
    VOID_REASONS,
    Kind,
)
from shopify_emulator.state import Shop

MINUTE, HOUR, DAY = 60, 3600, 86400
TWO_YEARS = 730 * DAY


def _draw(rng: random.Random, table: tuple[tuple, tuple[int, ...]]):
    """rng.choices(values, cum_weights=…)[0], without its overhead (this runs millions of
    times in a large seed)."""
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _time(moment: int) -> str:
    return records.format_time(datetime.datetime.fromtimestamp(moment, datetime.UTC))


@functools.cache
def _ascii(name: str) -> str:
    """What people type of their name in an email: "Østergaard" → "ostergaard", "O'Brien" →
    "obrien"."""
    decomposed = unicodedata.normalize("NFKD", name.translate(ASCII_LETTERS))
    return "".join(char for char in decomposed.lower() if char.isascii() and char.isalnum())


def _case_variant(email: str) -> str:
    """The same address typed differently: "Anna.Berg@example.com" for "anna.berg@…"."""
    local, _, domain = email.partition("@")
    variant = ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    return variant if variant != email else email.swapcase()


def _fill(rng: random.Random, pattern: str) -> str:
    """A postcode or phone number from a pattern: "#" a digit, "%" a digit from 2 to 9, "@" a
    capital letter."""
    digits = iter(f"{rng.randrange(10**20):020d}")  # one draw for all the digits (up to 20)
    characters = []
    for char in pattern:
        if char == "#":
            char = next(digits)
        elif char == "%":
            char = "23456789"[int(next(digits)) % 8]
        elif char == "@":
            char = chr(ord("A") + rng.randrange(26))
        characters.append(char)
    return "".join(characters)


def _ean13(rng: random.Random) -> str:
    body = f"{rng.randrange(10**12):012d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str(-total % 10)


def _charm(amount: Decimal, currency: str) -> Decimal:
    """A price as shops write it: 24.95, 199, 2990 rather than 23.17."""
    if currency in records.ZERO_DECIMAL:
        return max(Decimal(90), (amount / 100).to_integral_value() * 100 - 10)
    whole = amount.to_integral_value(ROUND_FLOOR)
    if amount >= 100:
        return max(Decimal(99), (amount / 10).to_integral_value() * 10 - 1)
    return whole + (Decimal("0.95") if whole % 2 else Decimal("0.99"))


def _bag(order: dict, amount: Decimal) -> dict:
    return records.money_bag(amount, order["currencyCode"], order["presentmentCurrencyCode"])


# The seeder --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    """What orders, checkouts and companies need to know about a customer."""

    number: int
    created: int  # epoch seconds
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    locale: str
    address: dict | None  # their default MailingAddress

    @classmethod
    def of(cls, record: dict) -> _Person:
        return cls(
            records.number_of(record["id"]),
            int(records.parse_time(record["createdAt"]).timestamp()),
            record.get("firstName"),
            record.get("lastName"),
            record.get("email"),
            record.get("phone"),
            record.get("locale") or "en",
            record.get("defaultAddress"),
        )


@dataclass(slots=True)
class _Item:
    """A variant that can be sold, with its numbers and price decoded once."""

    product: dict
    variant: dict
    product_number: int
    variant_number: int
    price: Decimal


@dataclass(slots=True)
class _Pick:
    """One line of an order or checkout to be."""

    item: _Item
    quantity: int
    unit_price: Decimal
    discount: Decimal


@dataclass(slots=True)
class _OrderPlan:
    """An order decided on but not built yet: orders are built in processedAt order, so that
    order numbers and ids increase with time as on Shopify."""

    at: int
    customer: int | None
    fields: dict
    picks: list[_Pick]
    presentment: str
    tax_rate: Decimal
    status: str  # the financial status it ends in
    from_checkout: bool = False


@dataclass(slots=True)
class _CheckoutPlan:
    """A checkout decided on: checkouts are built in createdAt order, before the orders."""

    at: int
    person: _Person | None
    address: dict | None  # MailingAddress(Input) fields
    email: str | None
    country: str | None
    picks: list[_Pick]
    completed: bool


class _Seeder:
    def __init__(self, shop: Shop, rng: random.Random, now: datetime.datetime):
        self.shop = shop
        self.rng = rng
        self.now = int(now.timestamp())
        self.start = self.now - TWO_YEARS
        self.currency = shop.currency
        self.places = Decimal(1).scaleb(-(0 if shop.currency in records.ZERO_DECIMAL else 2))
        self.free_shipping = records.convert(FREE_SHIPPING_USD, "USD", shop.currency)
        self.shipping_rates = [
            records.convert(rate, "USD", shop.currency).quantize(self.places)
            for rate in SHIPPING_USD
        ]
        # One scan of what the shop already holds; from here on the pools grow as we add.
        customers = shop.data["customers"].values()
        self.emails = {record["email"].lower() for record in customers if record.get("email")}
        self.email_suffixes: dict[str, int] = {}  # see _email
        self.phones = {record["phone"] for record in customers if record.get("phone")}
        people = [_Person.of(record) for record in customers]
        self.emailed = [person for person in people if person.email]
        self.unemailed = [person for person in people if not person.email]
        self.originals: list[_Person] = []  # this seed's customers not yet case-duplicated
        products = shop.data["products"].values()
        self.handles = {record["handle"] for record in products}
        self.skus = {v["sku"] for record in products for v in record["variants"] if v["sku"]}
        self.product_serial = len(shop.data["products"])
        self.items: list[_Item] = []  # what orders sell, filled by _sellable()
        self.item_weights: list[float] = []
        self.lines: dict[tuple, dict] = {}  # see _line
        self.company_serial = len(shop.data["companies"])

    # Times

    def _moment(self) -> int:
        """A moment in the past two years."""
        return self.now - self.rng.randrange(TWO_YEARS)

    def _moment_after(self, earliest: int | None) -> int:
        """A moment in the past two years, not before `earliest` (say, a customer's signup)."""
        start = self.start if earliest is None else min(max(earliest, self.start), self.now)
        return start + self.rng.randrange(self.now - start + 1)

    def _later(self, moment: int, shortest: int, longest: int) -> int:
        return min(moment + self.rng.randint(shortest, longest), self.now)

    def _updated(self, created: int) -> int:
        """When a record created at `created` was last changed: often never."""
        return created if self.rng.random() < 0.4 else self._moment_after(created)

    def _spread(self, count: int) -> list[int]:
        # Sorted, so record ids increase with createdAt as on Shopify.
        return sorted(self._moment() for _ in range(count))

    # People, addresses, contact details

    def _country(self) -> str:
        return _draw(self.rng, COUNTRY_SHARES)

    def _name(self, country: str) -> tuple[str, str]:
        rng = self.rng
        pools = NAME_POOLS if rng.random() < FOREIGN_NAME_SHARE else COUNTRIES[country].names
        first_names, last_names = NAMES[rng.choice(pools)]
        return rng.choice(first_names), rng.choice(last_names)

    def _email(self, first: str, last: str) -> str:
        """An unused (in any letter case) email made from a name."""
        rng = self.rng
        first_part, last_part = _ascii(first) or "guest", _ascii(last) or "shopper"
        local = rng.choice(EMAIL_PATTERNS).format(
            f=first_part, l=last_part, i=first_part[0], n=rng.randrange(1, 100)
        )
        domain = rng.choice(EMAIL_DOMAINS)
        email = base = f"{local}@{domain}"
        # Taken: number it, "anna.berg7@…", resuming where this base's numbering stopped (names
        # repeat a lot in a large seed; starting again at 2 each time would be quadratic).
        suffix = self.email_suffixes.get(base, 1)
        while email in self.emails:
            suffix += 1
            email = f"{local}{suffix}@{domain}"
        self.email_suffixes[base] = suffix
        self.emails.add(email)
        return email

    def _phone(self, country: str) -> str:
        while True:
            phone = _fill(self.rng, COUNTRIES[country].phone)
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _street(self, country: str) -> dict:
        """address1, city, province code and postcode somewhere in `country`."""
        rng = self.rng
        place = COUNTRIES[country]
        city, province, postcode = rng.choice(place.cities)
        street, number = rng.choice(place.streets), rng.randint(1, 180)
        return {
            "address1": f"{street} {number}" if place.street_first else f"{number} {street}",
            "city": city,
            "provinceCode": province,
            "zip": _fill(rng, postcode),
            "countryCode": country,
        }

    def _address(self, country: str, first: str | None, last: str | None, phone: str | None):
        """MailingAddressInput-like fields."""
        rng = self.rng
        fields = {**self._street(country), "firstName": first, "lastName": last, "phone": phone}
        if rng.random() < 0.1:
            fields["address2"] = f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"
        if rng.random() < 0.05:
            fields["company"] = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        return fields

    # Customers

    def customers(self, count: int):
        for created in self._spread(count):
            self._customer(created)

    def _customer(self, created: int):
        rng = self.rng
        shop = self.shop
        roll = rng.random()
        country = self._country()
        duplicate = roll < CASE_DUPLICATE_SHARE and bool(self.originals)
        if duplicate:
            # The same person signed up twice, typing their email differently.
            original = self._take_original()
            first, last = original.first_name, original.last_name
            email = _case_variant(original.email)
        else:
            first, last = self._name(country)
            has_email = roll >= CASE_DUPLICATE_SHARE + NO_EMAIL_SHARE
            email = self._email(first, last) if has_email else None
        # Without an email half of them left a phone number; the rest only a name.
        has_phone = rng.random() < (0.35 if email else 0.5)
        phone = self._phone(country) if has_phone else None
        addresses = [
            self._address(country if index == 0 else self._country(), first, last, phone)
            for index in range(_draw(rng, ADDRESS_COUNTS))
        ]
        fields = {
            "firstName": first,
            "lastName": last,
            "email": email,
            "phone": phone,
            "addresses": addresses,
            "locale": COUNTRIES[country].locale,
            "tags": rng.sample(CUSTOMER_TAGS, rng.choice((0, 0, 0, 1, 1, 2, 3))),
            "note": rng.choice(CUSTOMER_NOTES) if rng.random() < 0.05 else None,
            "taxExempt": rng.random() < 0.02,
        }
        if email:
            fields["state"] = _draw(rng, ACCOUNT_STATES)
            fields["emailMarketingConsent"] = {"marketingState": _draw(rng, EMAIL_CONSENT)}
        if phone:
            fields["smsMarketingConsent"] = {"marketingState": _draw(rng, SMS_CONSENT)}
        number = shop.allocate(1 + len(addresses))
        record = records.customer(number, fields, _time(created), number + 1)
        updated = self._updated(created)
        if updated != created:
            record = records.replace(record, updatedAt=_time(updated))
        shop.store("customers", record)
        person = _Person(
            number, created, first, last, email, phone, fields["locale"], record["defaultAddress"]
        )
        if email:
            self.emailed.append(person)
            if not duplicate:
                self.originals.append(person)
        else:
            self.unemailed.append(person)

    def _take_original(self) -> _Person:
        """A customer of this seed to duplicate, taken out of the pool so that no email gets
        two identical case variants."""
        index = self.rng.randrange(len(self.originals))
        original = self.originals[index]
        self.originals[index] = self.originals[-1]
        self.originals.pop()
        return original

    # Companies

    def companies(self, count: int):
        for created in self._spread(count):
            self._company(created)

    def _company(self, created: int):
        rng = self.rng
        shop = self.shop
        country = self._country()
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        name = f"{name} {COUNTRIES[country].legal_suffix}"
        self.company_serial += 1
        external_id = f"ERP-{self.company_serial:05d}"
        at = _time(created)
        number = shop.allocate()
        # Often a customer in the ERP long before the shop existed.
        since = _time(created - rng.randrange(3 * 365 * DAY)) if rng.random() < 0.5 else at
        record = records.company(
            number, {"name": name, "externalId": external_id, "customerSince": since}, at
        )
        # Contacts are customers who can log in, so they need an email.
        people = rng.sample(self.emailed, min(rng.randint(1, 3), len(self.emailed)))
        contacts = [
            records.company_contact(
                shop.allocate(),
                number,
                person.number,
                {"title": rng.choice(CONTACT_TITLES), "locale": person.locale},
                at,
            )
            for person in people
        ]
        locations = [
            self._company_location(number, name, external_id, index, country, at)
            for index in range(rng.choice((1, 1, 1, 2)))
        ]
        record = records.replace(
            record,
            contacts=contacts,
            locations=locations,
            _mainContactId=contacts[0]["id"] if contacts else None,
        )
        shop.store("companies", record)

    def _company_location(
        self, company_number: int, name: str, external_id: str, index: int, country: str, at: str
    ) -> dict:
        rng = self.rng
        # A second location is usually in the same country, sometimes abroad.
        country = country if index == 0 or rng.random() < 0.7 else self._country()
        shipping = self._company_address(country, "Goods reception")
        # Mostly invoiced where goods go (no billing address means the same as shipping).
        billing = self._company_address(country, "Accounts payable") if rng.random() < 0.3 else None
        fields = {
            "name": f"{shipping['city']} {rng.choice(LOCATION_KINDS).lower()}",
            "phone": self._phone(country),
            "externalId": f"{external_id}-{index + 1}",
            "locale": COUNTRIES[country].locale,
            "shippingAddress": shipping,
            "billingAddress": billing,
        }
        return records.company_location(
            self.shop.allocate(3), company_number, fields, name, self.currency, at
        )

    def _company_address(self, country: str, recipient: str) -> dict:
        """CompanyAddressInput-like fields."""
        street = self._street(country)
        street["zoneCode"] = street.pop("provinceCode")
        return {**street, "recipient": recipient}

    # Products

    def products(self, count: int):
        for created in self._spread(count):
            self._product(created)

    def _product(self, created: int):
        rng = self.rng
        shop = self.shop
        product_type = rng.choice(PRODUCT_TYPES)
        kind = CATALOGUE[product_type]
        words = [rng.choice(ADJECTIVES), rng.choice(kind.materials), rng.choice(kind.nouns)]
        if rng.random() < 0.4:
            del words[1]
        title = " ".join(words)
        vendor = rng.choice(VENDORS)
        on_sale = rng.random() < SALE_SHARE
        tags = rng.sample(PRODUCT_TAGS, rng.choice((0, 1, 1, 2, 3))) + (["sale"] if on_sale else [])
        fields = {
            "title": title,
            "handle": self._handle(title),
            "descriptionHtml": f"<p>{title} from {vendor}. {rng.choice(DESCRIPTIONS)}</p>",
            "vendor": vendor,
            "productType": product_type,
            "status": _draw(rng, PRODUCT_STATUSES),
            "tags": tags,
        }
        variant_fields = self._variants(kind, on_sale)
        at = _time(created)
        number = shop.allocate(1 + len(variant_fields) + records.OPTION_SLOTS)
        variants = [
            records.product_variant(number + 1 + index, number, variant, index + 1, at)
            for index, variant in enumerate(variant_fields)
        ]
        first_option = number + 1 + len(variant_fields)
        option_numbers = list(range(first_option, first_option + records.OPTION_SLOTS))
        record = records.product(number, fields, variants, at, option_numbers)
        updated = self._updated(created)
        if updated != created:
            record = records.replace(record, updatedAt=_time(updated))
        shop.store("products", record)

    def _handle(self, title: str) -> str:
        """Shopify keeps handles unique by numbering repeats: "soft-wool-scarf-2"."""
        base = records.handleize(title)
        handle, suffix = base, 1
        while handle in self.handles:
            suffix += 1
            handle = f"{base}-{suffix}"
        self.handles.add(handle)
        return handle

    def _variants(self, kind: Kind, on_sale: bool) -> list[dict]:
        """ProductVariant fields: 1–4 option combinations, or one "Default Title"."""
        rng = self.rng
        low, high = kind.usd_prices
        usd = Decimal(rng.randint(low * 100, high * 100)) / 100
        price = _charm(records.convert(usd, "USD", self.currency), self.currency)
        combinations = self._option_combinations(kind)
        sku = self._sku(kind, len(combinations))
        variants = []
        for index, options in enumerate(combinations):
            variant_price = price
            for option in options:
                if option["name"] in PRICED_BY_AMOUNT:
                    step = OPTION_VALUES[option["name"]].index(option["value"])
                    variant_price = _charm(price * (1 + Decimal("0.7") * step), self.currency)
            compare_at = _charm(variant_price * Decimal("1.4"), self.currency) if on_sale else None
            variants.append(
                {
                    "sku": sku if len(combinations) == 1 else f"{sku}-{index + 1}",
                    "price": variant_price,
                    "compareAtPrice": compare_at,
                    "selectedOptions": options or None,
                    "inventoryQuantity": 0 if rng.random() < 0.1 else rng.randint(1, 250),
                    "barcode": _ean13(rng) if rng.random() < 0.6 else None,
                }
            )
        return variants

    def _option_combinations(self, kind: Kind) -> list[list[dict]]:
        rng = self.rng
        if not kind.options or rng.random() < SINGLE_VARIANT_SHARE:
            return [[]]
        axes = []
        for name in kind.options:
            values = OPTION_VALUES[name]
            # One colour of several sizes, or several of one option alone.
            least = 1 if len(kind.options) > 1 else 2
            picked = sorted(rng.sample(range(len(values)), rng.randint(least, 3)))
            axes.append([{"name": name, "value": values[index]} for index in picked])
        combinations = [list(options) for options in itertools.product(*axes)]
        if len(combinations) > 4:  # shops rarely stock every combination
            keep = sorted(rng.sample(range(len(combinations)), rng.randint(2, 4)))
            combinations = [combinations[index] for index in keep]
        return combinations

    def _sku(self, kind: Kind, variant_count: int) -> str:
        while True:
            self.product_serial += 1
            sku = f"{kind.code}-{self.product_serial:05d}"
            wanted = (
                [sku] if variant_count == 1 else [f"{sku}-{i + 1}" for i in range(variant_count)]
            )
            if not any(candidate in self.skus for candidate in wanted):
                self.skus.update(wanted)
                return sku

    # Orders and checkouts

    def orders_and_checkouts(self, orders: int, checkouts: int):
        """Checkouts first (a completed one plans its order), then all orders by time."""
        if not orders and not checkouts:
            return
        self._sellable()
        plans = [self._order_plan() for _ in range(orders)]
        checkout_plans = sorted(
            (self._checkout_plan() for _ in range(checkouts)), key=lambda plan: plan.at
        )
        for checkout_plan in checkout_plans:
            order_plan = self._checkout(checkout_plan)
            if order_plan:
                plans.append(order_plan)
        for plan in sorted(plans, key=lambda plan: plan.at):  # stable: ties keep their order
            self._order(plan)

    def _sellable(self):
        """The pool of variants to sell, with a popularity each so some sell far more."""
        products = list(self.shop.data["products"].values())
        listed = [product for product in products if product["status"] != "DRAFT"] or products
        if not listed:
            raise ValueError("Seeding orders or checkouts needs products: seed some first.")
        weights = []
        for product in listed:
            popularity = self.rng.paretovariate(1.2)  # a few bestsellers, a long tail
            for variant in product["variants"]:
                self.items.append(
                    _Item(
                        product,
                        variant,
                        records.number_of(product["id"]),
                        records.number_of(variant["id"]),
                        Decimal(variant["price"]),
                    )
                )
                weights.append(popularity)
        self.item_weights = list(itertools.accumulate(weights))

    def _picks(self) -> list[_Pick]:
        rng = self.rng
        picks: dict[int, _Pick] = {}
        for _ in range(_draw(rng, LINE_COUNTS)):
            item = self._item()
            if item.variant_number in picks:  # look again: baskets hold different things
                item = self._item()
            quantity = _draw(rng, QUANTITIES)
            if item.variant_number in picks:  # the same variant twice is one line
                picks[item.variant_number].quantity += quantity
            else:
                picks[item.variant_number] = _Pick(item, quantity, item.price, Decimal("0"))
        for pick in picks.values():
            if rng.random() < LINE_DISCOUNT_SHARE:
                share = rng.choice(LINE_DISCOUNTS)
                pick.discount = (pick.unit_price * pick.quantity * share).quantize(self.places)
        return list(picks.values())

    def _item(self) -> _Item:
        """A variant, by popularity (as _draw does it)."""
        weights = self.item_weights
        return self.items[bisect.bisect(weights, self.rng.random() * weights[-1])]

    def _buyer(self) -> _Person | None:
        """Mostly customers with an email, some known only by phone or name, some guests."""
        rng = self.rng
        roll = rng.random()
        if roll < CUSTOMER_ORDER_SHARE and self.emailed:
            return rng.choice(self.emailed)
        if roll < CUSTOMER_ORDER_SHARE + NO_EMAIL_CUSTOMER_ORDER_SHARE and self.unemailed:
            return rng.choice(self.unemailed)
        return None

    def _presentment(self, country: str | None) -> str:
        local = COUNTRIES[country].currency if country else self.currency
        if local != self.currency and self.rng.random() < LOCAL_CURRENCY_SHARE:
            return local
        return self.currency

    def _order_address(self, fields: dict | None) -> dict | None:
        # A copy with its own id: an order keeps the address it was shipped to.
        return records.mailing_address(self.shop.allocate(), fields, "Address") if fields else None

    def _order_plan(self) -> _OrderPlan:
        rng = self.rng
        person = self._buyer()
        fields = {"sourceName": _draw(rng, SOURCES)}
        if person:
            at = self._moment_after(person.created)
            address = person.address
            country = address["countryCodeV2"] if address else None
            fields.update(email=person.email, phone=person.phone)
        elif rng.random() < 0.7:  # a guest at the online store
            at = self._moment()
            country = self._country()
            first, last = self._name(country)
            address = self._address(country, first, last, None)
            fields["email"] = self._email(first, last)
        else:  # a walk-in at the shop's till: no name, nothing to ship
            at, country, address = self._moment(), None, None
            fields["sourceName"] = "pos"
        if rng.random() < 0.08:
            fields["tags"] = rng.sample(ORDER_TAGS, rng.randint(1, 2))
        if rng.random() < 0.06:
            fields["note"] = rng.choice(ORDER_NOTES)
        fields["shippingAddress"] = fields["billingAddress"] = address
        return _OrderPlan(
            at=at,
            customer=person.number if person else None,
            fields=fields,
            picks=self._picks(),
            presentment=self._presentment(country),
            tax_rate=COUNTRIES[country].tax_rate if country else DEFAULT_TAX_RATE,
            status=_draw(rng, FINANCIAL_STATUSES),
        )

    def _checkout_plan(self) -> _CheckoutPlan:
        rng = self.rng
        if self.emailed and rng.random() < CHECKOUT_CUSTOMER_SHARE:
            person = rng.choice(self.emailed)
            address = person.address
            return _CheckoutPlan(
                at=self._moment_after(person.created),
                person=person,
                address=address,
                email=person.email,  # create_checkout takes the customer's
                country=address["countryCodeV2"] if address else None,
                picks=self._picks(),
                completed=rng.random() < COMPLETED_CHECKOUT_SHARE,
            )
        country = self._country()
        first, last = self._name(country)
        # A guest who left before typing anything is still a checkout, just not recoverable.
        known = rng.random() < 0.85
        return _CheckoutPlan(
            at=self._moment(),
            person=None,
            address=self._address(country, first, last, None) if known else None,
            email=self._email(first, last) if known else None,
            country=country,
            picks=self._picks(),
            completed=rng.random() < COMPLETED_CHECKOUT_SHARE,
        )

    def _line(self, number: int, pick: _Pick, presentment: str) -> dict:
        """actions._lines, for one line.

        Building a line's seven money bags is most of the cost of a large seed, and popular
        variants sell again and again at the same quantity and price: such a line is built once
        and copied with its own id (line_item uses `number` for the id alone)."""
        key = (pick.item.variant_number, pick.quantity, pick.unit_price, pick.discount, presentment)
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = self._build_line(number, pick, presentment)
            return line
        return records.replace(line, id=records.gid("LineItem", number))

    def _build_line(self, number: int, pick: _Pick, presentment: str) -> dict:
        item = pick.item
        variant_title = item.variant["title"]
        return records.line_item(
            number,
            title=item.product["title"],
            variant_title=None if variant_title == "Default Title" else variant_title,
            sku=item.variant["sku"],
            quantity=pick.quantity,
            unit_price=pick.unit_price,
            discount=pick.discount,
            shop_currency=self.currency,
            presentment_currency=presentment,
            product_number=item.product_number,
            variant_number=item.variant_number,
            vendor=item.product["vendor"],
        )

    def _checkout(self, plan: _CheckoutPlan) -> _OrderPlan | None:
        """Store an abandoned (or completed) checkout as actions.create_checkout would; return
        the plan of the order a completed one became."""
        rng = self.rng
        shop = self.shop
        presentment = self._presentment(plan.country)
        person = plan.person
        address = self._order_address(plan.address)
        first_line = shop.allocate(len(plan.picks))
        order_lines = [
            self._line(first_line + index, pick, presentment)
            for index, pick in enumerate(plan.picks)
        ]
        number = shop.allocate(len(order_lines) + 1)
        record = records.abandoned_checkout(
            number,
            shop=shop.domain,
            shop_number=shop.number,
            fields={"email": plan.email, "shippingAddress": address, "billingAddress": address},
            lines=[
                records.checkout_line_item(number + 1 + index, line)
                for index, line in enumerate(order_lines)
            ],
            amounts=records.totals(order_lines, Decimal("0"), DEFAULT_TAX_RATE, self.currency),
            shop_currency=self.currency,
            presentment_currency=presentment,
            created_at=_time(plan.at),
            customer_number=person.number if person else None,
            order_lines=order_lines,
        )
        if not plan.completed:
            if rng.random() < 0.3:  # came back to change something, then left again
                record = records.replace(record, updatedAt=_time(self._later(plan.at, 60, DAY)))
            shop.store("checkouts", record)
            return None
        completed = self._later(plan.at, 2 * MINUTE, 2 * HOUR)
        record = records.replace(record, completedAt=_time(completed), updatedAt=_time(completed))
        shop.store("checkouts", record)
        return self._completion_plan(record, plan.picks, completed)

    def _completion_plan(self, checkout: dict, picks: list[_Pick], at: int) -> _OrderPlan:
        """The order actions.complete_checkout creates: the checkout's lines at the prices
        they show, no addresses, no shipping, the default tax rate, PAID."""
        picks = [
            _Pick(
                pick.item,
                line["quantity"],
                records.amount_of(line["originalUnitPriceSet"]),
                records.amount_of(line["totalDiscountSet"]),
            )
            for pick, line in zip(picks, checkout["_orderLines"], strict=True)
        ]
        return _OrderPlan(
            at=at,
            customer=checkout["_customerId"],
            fields={"email": checkout["_email"], "checkoutToken": checkout["_token"]},
            picks=picks,
            presentment=checkout["_presentmentCurrency"],
            tax_rate=DEFAULT_TAX_RATE,
            status=_draw(self.rng, CHECKOUT_ORDER_STATUSES),
            from_checkout=True,
        )

    def _order(self, plan: _OrderPlan):
        """actions.create_order, then what happened to the order afterwards."""
        shop = self.shop
        first_line = shop.allocate(len(plan.picks))
        lines = [
            self._line(first_line + index, pick, plan.presentment)
            for index, pick in enumerate(plan.picks)
        ]
        if plan.from_checkout:
            shipping = Decimal("0")
        else:
            subtotal = sum(pick.unit_price * pick.quantity - pick.discount for pick in plan.picks)
            pickup = plan.fields.get("shippingAddress") is None
            free = pickup or subtotal >= self.free_shipping
            shipping = Decimal("0") if free else self.rng.choice(self.shipping_rates)
        fields = dict(plan.fields)
        fields["shippingAddress"] = self._order_address(fields.get("shippingAddress"))
        fields["billingAddress"] = fields["shippingAddress"]
        status = plan.status
        if status == "VOIDED":  # an authorisation or a pending payment, cancelled
            fields["displayFinancialStatus"] = self.rng.choice(("PENDING", "AUTHORIZED"))
        else:
            fields["displayFinancialStatus"] = CREATED_AS.get(status, status)
        number = shop.allocate()
        order_number = shop.next_order_number
        shop.next_order_number += 1
        record = records.order(
            number,
            order_number=order_number,
            fields=fields,
            lines=lines,
            amounts=records.totals(lines, shipping, plan.tax_rate, self.currency),
            shop_currency=self.currency,
            presentment_currency=plan.presentment,
            created_at=_time(plan.at),
            customer_number=plan.customer,
        )
        shop.store("orders", self._history(record, status, plan.at))

    def _history(self, order: dict, status: str, moment: int) -> dict:
        """Take a new order to `status` through the steps the actions take."""
        rng = self.rng
        if status == "VOIDED":
            return transitions.cancelled(
                order, rng.choice(VOID_REASONS), _time(self._later(moment, HOUR, 5 * DAY))
            )
        if status == "EXPIRED":  # the authorisation lapsed; nothing was shipped
            return order
        if status == "PARTIALLY_PAID":
            order = self._deposit(order)
        if status == "REFUNDED" and rng.random() < 0.5:
            # Cancelled before shipping with the money sent back (cancel_order with refund).
            at = _time(self._later(moment, HOUR, 2 * DAY))
            order = self._refund_rest(order, at)
            return transitions.cancelled(order, rng.choice(REFUND_CANCEL_REASONS), at)
        order, moment = self._ship(order, status, moment)
        if status in ("PARTIALLY_REFUNDED", "REFUNDED"):  # a return or a goodwill refund
            moment = self._later(moment, DAY, 20 * DAY)
            if status == "PARTIALLY_REFUNDED" or rng.random() < 0.3:
                order = self._refund_part(order, _time(moment))
                moment = self._later(moment, HOUR, 5 * DAY)
            if status == "REFUNDED":
                order = self._refund_rest(order, _time(moment))
        closable = order["displayFulfillmentStatus"] == "FULFILLED" and status in SHIPPABLE
        if closable and self.now - moment > 30 * DAY and rng.random() < 0.4:
            order = transitions.closed(order, _time(self._later(moment, DAY, 30 * DAY)))
        return order

    def _deposit(self, order: dict) -> dict:
        # records.order leaves a PARTIALLY_PAID order with nothing received; a deposit was.
        total = records.amount_of(order["totalPriceSet"])
        deposit = (total * self.rng.choice((Decimal("0.3"), Decimal("0.5")))).quantize(self.places)
        return records.replace(
            order,
            totalReceivedSet=_bag(order, deposit),
            totalOutstandingSet=_bag(order, total - deposit),
        )

    def _refund_part(self, order: dict, at: str) -> dict:
        """A returned line, or half the order when that line is all of it."""
        total = records.amount_of(order["totalPriceSet"])
        amount = records.amount_of(self.rng.choice(order["lineItems"])["discountedTotalSet"])
        if amount >= total:
            amount = (total / 2).quantize(self.places)
        if amount <= 0:  # free items: nothing to give back
            return order
        return self._refund(order, amount, at)

    def _refund_rest(self, order: dict, at: str) -> dict:
        left = records.amount_of(order["totalPriceSet"]) - records.amount_of(
            order["totalRefundedSet"]
        )
        if left <= 0:
            return order
        return self._refund(order, left, at)

    def _refund(self, order: dict, amount: Decimal, at: str) -> dict:
        note = self.rng.choice(REFUND_NOTES)
        return transitions.refunded(order, self.shop.allocate(), amount, at, note)

    def _ship(self, order: dict, status: str, moment: int) -> tuple[dict, int]:
        """Fulfil, in one or two shipments, and deliver, as the order's age and payment make
        likely: old paid orders are nearly all shipped, recent or unpaid ones mostly not."""
        rng = self.rng
        if status in SHIPPABLE:
            shipped, partly = (0.9, 0.05) if self.now - moment > 14 * DAY else (0.45, 0.15)
        else:
            shipped, partly = 0.1, 0.05
        roll = rng.random()
        if roll >= shipped + partly:
            return order, moment
        split = self._split(order)
        if split and (roll >= shipped or rng.random() < 0.15):
            moment = self._later(moment, HOUR, 3 * DAY)
            wanted = {
                line["id"]: count for line, count in zip(order["lineItems"], split, strict=True)
            }
            order, _ = transitions.fulfilled(order, self.shop.allocate(), _time(moment), wanted)
        if roll < shipped:
            moment = self._later(moment, HOUR, 3 * DAY)
            order, _ = transitions.fulfilled(order, self.shop.allocate(), _time(moment))
        delivered = rng.random() < (0.8 if self.now - moment > 10 * DAY else 0.3)
        if order["fulfillments"] and delivered:
            moment = self._later(moment, DAY, 6 * DAY)
            order = transitions.delivered(order, _time(moment))
        return order, moment

    def _split(self, order: dict) -> list[int] | None:
        """Quantities of a first shipment that leaves something behind, if one can."""
        lines = order["lineItems"]
        if len(lines) > 1:
            held = self.rng.randrange(len(lines))
            return [0 if index == held else line["quantity"] for index, line in enumerate(lines)]
        if lines[0]["quantity"] > 1:
            return [lines[0]["quantity"] - 1]
        return None


def seed(
    shop: Shop,
    *,
    customers: int = 0,
    companies: int = 0,
    products: int = 0,
    orders: int = 0,
    checkouts: int = 0,
    seed: int = 42,
    now: datetime.datetime | None = None,
) -> dict:
    """Add records to `shop` and return how many of each were added.

    Customers, companies and products come first, so companies get existing customers as
    contacts and orders and checkouts sell existing variants to existing customers (those
    already in the shop included). `orders` counts the orders placed directly; a completed
    checkout (about a quarter of them) also adds the order it became, with the checkout's token
    as `checkoutToken`, and that order is counted in `checkouts`, not in `orders`. So the shop
    gains `orders` + (completed checkouts) orders.

    Times lie in the two years before `now` (default: today's midnight UTC); the orders of
    one call get their numbers and ids in processedAt order. Orders and checkouts need
    products (ValueError otherwise). Companies get no contacts when no customer has an email.
    """
    if now is None:
        now = datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=datetime.UTC)
    # The collector would walk the ever larger shop again and again while we only add records
    # that never form cycles: paused, a large seed takes a third less time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Held throughout, so no other writer interleaves with the seed (readers may see it
        # halfway: records appear one by one, each whole).
        with shop.lock:
            seeder = _Seeder(shop, random.Random(seed), now)
            seeder.customers(customers)
            seeder.companies(companies)
            seeder.products(products)
            seeder.orders_and_checkouts(orders, checkouts)
    finally:
        if collecting:
            gc.enable()
    return {
        "customers": customers,
        "companies": companies,
        "products": products,
        "orders": orders,
        "checkouts": checkouts,
    }
