"""The words, names, places and proportions the seed draws from (seed.py). Proportions are
`weighted(...)` tables: (values, cumulative weights)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal


def weighted(*pairs: tuple) -> tuple[tuple, tuple[int, ...]]:
    """(values, cumulative weights) from (value, weight) pairs, for seed.draw."""
    values, weights = zip(*pairs, strict=True)
    return values, tuple(itertools.accumulate(weights))


# The word lists below are packed several to a line, as ruff format would put one per line.
# fmt: off

# People ------------------------------------------------------------------------------------

# First and last names by origin; a country draws mostly from its own pools but not only, as
# real customer lists are mixed.
NAMES = {
    "swedish": (
        ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Elin", "Anders", "Sofia", "Oskar",
         "Ingrid", "Björn", "Linnéa", "Måns", "Åsa", "Sven", "Emma", "Nils", "Frida", "Gustav"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
         "Persson", "Svensson", "Berg", "Lindqvist", "Åberg", "Sjöberg", "Holmström", "Ek",
         "Lundgren", "Björk", "Engström"),
    ),
    "english": (
        ("James", "Olivia", "William", "Emily", "Oliver", "Charlotte", "Jack", "Amelia", "Harry",
         "Sophie", "Michael", "Jessica", "Daniel", "Hannah", "Thomas", "Grace", "Ethan", "Chloe"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Taylor", "Wilson", "Davies", "Evans",
         "Thompson", "Walker", "Wright", "Robinson", "Clarke", "O'Brien", "Murphy", "Miller"),
    ),
    "german": (
        ("Lukas", "Leonie", "Jonas", "Lena", "Felix", "Marie", "Maximilian", "Katharina",
         "Jürgen", "Anja", "Paul", "Hannah"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schäfer", "Hoffmann", "Koch", "Richter"),
    ),
    "nordic": (
        ("Søren", "Mette", "Rasmus", "Ida", "Mikkel", "Freja", "Ole", "Ingeborg", "Kristian",
         "Solveig", "Magnus", "Sigrid"),
        ("Jensen", "Nielsen", "Hansen", "Pedersen", "Christensen", "Rasmussen", "Johansen",
         "Haugen", "Bakken", "Solberg", "Dahl", "Østergaard"),
    ),
    "french": (
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Lucas", "Manon", "Théo", "Inès", "Gabriel"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Fontaine",
         "Roux", "Mercier"),
    ),
    "global": (
        ("Aisha", "Mohammed", "Yuki", "Haruto", "Priya", "Arjun", "Mei", "Wei", "Carlos", "Sofía",
         "Mateo", "Fatima", "Omar", "Zainab", "Kenji", "Ana", "Tariq", "Noor"),
        ("Khan", "Ali", "Sato", "Tanaka", "Patel", "Sharma", "Chen", "Wang", "García",
         "Rodríguez", "Hernández", "Nguyen", "Kim", "Haddad", "Al-Sabah", "Silva", "Suzuki"),
    ),
}
NAME_POOLS = tuple(NAMES)
FOREIGN_NAME_SHARE = 0.2

# Reserved example domains (RFC 2606), so no seeded address can belong to a real person.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com",
                 "inbox.example.net", "post.example.org")
EMAIL_PATTERNS = ("{f}.{l}", "{f}.{l}", "{f}{l}", "{i}{l}", "{f}_{l}", "{f}.{l}{n}", "{f}{n}")
# Letters that Unicode normalisation does not reduce to ASCII.
ASCII_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "đ": "d"})

CASE_DUPLICATE_SHARE = 0.03  # customers whose email is another's in different letter case
NO_EMAIL_SHARE = 0.05  # customers known by phone or name only (in-store, imported)
EMAIL_CONSENT = weighted(("SUBSCRIBED", 35), ("NOT_SUBSCRIBED", 48), ("UNSUBSCRIBED", 17))
SMS_CONSENT = weighted(("SUBSCRIBED", 25), ("NOT_SUBSCRIBED", 65), ("UNSUBSCRIBED", 10))
ACCOUNT_STATES = weighted(("DISABLED", 62), ("ENABLED", 30), ("INVITED", 5), ("DECLINED", 3))
CUSTOMER_TAGS = ("vip", "newsletter", "returning", "wholesale", "influencer", "staff",
                 "first-order-discount", "black-friday", "review-left", "gift-buyer")
CUSTOMER_NOTES = (
    "Prefers delivery to a pickup point.",
    "Allergic to lavender - check before sending samples.",
    "Met at the Stockholm pop-up.",
    "Asked not to be called.",
    "Wholesale enquiry pending.",
)
ADDRESS_COUNTS = weighted((0, 7), (1, 85), (2, 8))  # addresses per customer


@dataclass(frozen=True)
class Country:
    weight: int  # how many customers live there, relative to the others
    names: tuple[str, ...]  # NAMES pools people there are mostly drawn from
    locale: str
    currency: str  # what shoppers there may pay in
    tax_rate: Decimal
    legal_suffix: str  # of company names
    # A valid E.164 number of the country whatever the digits drawn (tests check it with
    # phonenumbers, as Shopify refuses invalid phones): "#" any digit, "%" one of 2-9.
    phone: str
    street_first: bool  # "Storgatan 12" rather than "12 High Street"
    streets: tuple[str, ...]
    # City, province code, postcode pattern ("#" a digit, "@" a capital letter).
    cities: tuple[tuple[str, str | None, str], ...]


COUNTRIES = {
    "US": Country(
        weight=28, names=("english", "global"), locale="en", currency="USD",
        tax_rate=Decimal("0.08"), legal_suffix="Inc.", phone="+1212%######", street_first=False,
        streets=("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Park Avenue"),
        cities=(("New York", "NY", "100##"), ("Los Angeles", "CA", "900##"),
                ("Chicago", "IL", "606##"), ("Austin", "TX", "787##"),
                ("Seattle", "WA", "981##"), ("Boston", "MA", "021##")),
    ),
    "SE": Country(
        weight=22, names=("swedish",), locale="sv", currency="SEK",
        tax_rate=Decimal("0.25"), legal_suffix="AB", phone="+4670#######", street_first=True,
        streets=("Storgatan", "Drottninggatan", "Kungsgatan", "Sveavägen", "Linnégatan"),
        cities=(("Stockholm", None, "11# ##"), ("Göteborg", None, "41# ##"),
                ("Malmö", None, "21# ##"), ("Uppsala", None, "75# ##"),
                ("Umeå", None, "90# ##"), ("Visby", None, "621 ##")),
    ),
    "GB": Country(
        weight=12, names=("english",), locale="en", currency="GBP",
        tax_rate=Decimal("0.20"), legal_suffix="Ltd", phone="+44797#######", street_first=False,
        streets=("High Street", "Church Road", "Station Road", "Victoria Road", "Mill Lane"),
        cities=(("London", None, "SW1@ #@@"), ("Manchester", None, "M# #@@"),
                ("Edinburgh", None, "EH# #@@"), ("Bristol", None, "BS# #@@")),
    ),
    "DE": Country(
        weight=10, names=("german",), locale="de", currency="EUR",
        tax_rate=Decimal("0.19"), legal_suffix="GmbH", phone="+49151########", street_first=True,
        streets=("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße"),
        cities=(("Berlin", None, "10###"), ("München", None, "80###"),
                ("Hamburg", None, "20###"), ("Köln", None, "50###"), ("Leipzig", None, "04###")),
    ),
    "CA": Country(
        weight=7, names=("english", "french"), locale="en", currency="CAD",
        tax_rate=Decimal("0.13"), legal_suffix="Inc.", phone="+1416%######", street_first=False,
        streets=("King Street West", "Queen Street", "Maple Avenue", "Granville Street"),
        cities=(("Toronto", "ON", "M#@ #@#"), ("Vancouver", "BC", "V#@ #@#"),
                ("Montréal", "QC", "H#@ #@#"), ("Calgary", "AB", "T#@ #@#")),
    ),
    "DK": Country(
        weight=6, names=("nordic",), locale="da", currency="DKK",
        tax_rate=Decimal("0.25"), legal_suffix="ApS", phone="+4528######", street_first=True,
        streets=("Vesterbrogade", "Nørregade", "Strandvejen", "Østerbrogade", "Algade"),
        cities=(("København", None, "1###"), ("Aarhus", None, "8###"),
                ("Odense", None, "5###"), ("Aalborg", None, "9###")),
    ),
    "NO": Country(
        weight=6, names=("nordic",), locale="nb", currency="NOK",
        tax_rate=Decimal("0.25"), legal_suffix="AS", phone="+479#######", street_first=True,
        streets=("Storgata", "Kirkegata", "Parkveien", "Bygdøy allé", "Thorvald Meyers gate"),
        cities=(("Oslo", None, "0###"), ("Bergen", None, "50##"),
                ("Trondheim", None, "70##"), ("Tromsø", None, "90##")),
    ),
    "FR": Country(
        weight=5, names=("french",), locale="fr", currency="EUR",
        tax_rate=Decimal("0.20"), legal_suffix="SARL", phone="+3361#######", street_first=False,
        streets=("Rue de Rivoli", "Avenue Victor Hugo", "Boulevard Voltaire", "Rue des Lilas"),
        cities=(("Paris", None, "750##"), ("Lyon", None, "6900#"),
                ("Marseille", None, "130##"), ("Bordeaux", None, "330##")),
    ),
    "JP": Country(
        weight=2, names=("global",), locale="ja", currency="JPY",
        tax_rate=Decimal("0.10"), legal_suffix="K.K.", phone="+8180########", street_first=True,
        streets=("Ginza", "Jingumae", "Umeda", "Gion-machi"),
        cities=(("Tokyo", "JP-13", "1##-####"), ("Osaka", "JP-27", "5##-####"),
                ("Kyoto", "JP-26", "6##-####")),
    ),
    "KW": Country(
        weight=2, names=("global",), locale="ar", currency="KWD",
        tax_rate=Decimal("0"), legal_suffix="W.L.L.", phone="+96599######", street_first=False,
        streets=("Gulf Road", "Salem Al Mubarak Street", "Fahad Al Salem Street"),
        cities=(("Kuwait City", None, "1####"), ("Hawalli", None, "3####")),
    ),
}
COUNTRY_SHARES = weighted(*((code, country.weight) for code, country in COUNTRIES.items()))
# Orders shipped abroad are paid in the local currency this often, otherwise in the shop's.
LOCAL_CURRENCY_SHARE = 0.45


# Companies ---------------------------------------------------------------------------------

COMPANY_WORDS = ("Nordic", "Lakeside", "Granite", "Summit", "Harbor", "Birch", "Copper", "Meadow",
                 "Atlas", "Fjord", "Evergreen", "Pioneer", "Blue Ridge", "Lighthouse", "Falcon")
COMPANY_KINDS = ("Hotels", "Interiors", "Outfitters", "Cafés", "Design", "Trading", "Retail",
                 "Workwear", "Events", "Concept Store")
CONTACT_TITLES = ("Purchasing Manager", "Owner", "Buyer", "Office Manager", "CFO",
                  "Store Manager", None)
LOCATION_KINDS = ("Head office", "Warehouse", "Store", "Showroom")


# Products ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    code: str  # SKU prefix
    nouns: tuple[str, ...]
    materials: tuple[str, ...]  # or scents…: what may go between adjective and noun
    options: tuple[str, ...]  # option names, keys of OPTION_VALUES
    usd_prices: tuple[int, int]


CATALOGUE = {
    "Apparel": Kind(
        code="APP", options=("Size", "Color"), usd_prices=(19, 149),
        nouns=("T-Shirt", "Hoodie", "Sweater", "Jacket", "Shirt", "Dress"),
        materials=("Cotton", "Linen", "Wool", "Organic Cotton"),
    ),
    "Footwear": Kind(
        code="FTW", options=("Shoe size", "Color"), usd_prices=(49, 229),
        nouns=("Sneakers", "Boots", "Sandals", "Loafers"),
        materials=("Leather", "Canvas", "Suede"),
    ),
    "Accessories": Kind(
        code="ACC", options=("Color",), usd_prices=(12, 89),
        nouns=("Tote Bag", "Beanie", "Scarf", "Wallet", "Belt", "Cap"),
        materials=("Organic", "Recycled", "Vegan"),
    ),
    "Home & Living": Kind(
        code="HOM", options=("Color",), usd_prices=(9, 119),
        nouns=("Mug", "Vase", "Serving Bowl", "Plate", "Carafe"),
        materials=("Ceramic", "Stoneware", "Glass", "Porcelain"),
    ),
    "Textiles": Kind(
        code="TEX", options=("Color",), usd_prices=(15, 159),
        nouns=("Throw Blanket", "Cushion Cover", "Tea Towel", "Bath Towel"),
        materials=("Wool", "Linen", "Cotton", "Organic Cotton"),
    ),
    "Stationery": Kind(
        code="STA", options=(), usd_prices=(4, 39),
        nouns=("Notebook", "Pen Set", "Planner", "Sketchbook", "Greeting Card"),
        materials=("Recycled", "Mini"),
    ),
    "Beauty": Kind(
        code="BEA", options=("Volume",), usd_prices=(6, 59),
        nouns=("Hand Cream", "Shower Gel", "Lip Balm", "Face Oil", "Body Lotion"),
        materials=("Lavender", "Birch", "Sea Buckthorn", "Unscented"),
    ),
    "Food & Drink": Kind(
        code="FOD", options=("Weight",), usd_prices=(5, 35),
        nouns=("Coffee Beans", "Tea Blend", "Granola", "Honey"),
        materials=("Organic", "Fair Trade", "Small-batch"),
    ),
}
PRODUCT_TYPES = tuple(CATALOGUE)
OPTION_VALUES = {
    "Size": ("XS", "S", "M", "L", "XL", "XXL"),
    "Shoe size": ("38", "39", "40", "41", "42", "43", "44", "45"),
    "Color": ("Black", "White", "Navy", "Forest Green", "Sand", "Burgundy", "Grey", "Rust"),
    "Volume": ("50 ml", "100 ml", "250 ml"),
    "Weight": ("250 g", "500 g", "1 kg"),
}
# Bigger packs cost more; sizes and colours of one product cost the same.
PRICED_BY_AMOUNT = {"Volume", "Weight"}
ADJECTIVES = ("Classic", "Everyday", "Nordic", "Vintage", "Essential", "Heritage", "Coastal",
              "Urban", "Alpine", "Soft", "Rustic", "Modern", "Handmade", "Midsummer",
              "Archipelago", "Northern", "Cozy", "Minimal", "Signature", "Weekend", "Harbour")
VENDORS = ("Fjällbacka Goods", "North & Pine", "Kvarn Studio", "Hudson Supply Co.",
           "Lindgren & Dahl", "Bergkvist", "Oak Lane", "Saltvik", "Tidewater", "Ekhagen Atelier",
           "Maple Row", "Nordljus")
PRODUCT_STATUSES = weighted(("ACTIVE", 80), ("DRAFT", 12), ("ARCHIVED", 8))
PRODUCT_TAGS = ("new", "bestseller", "organic", "limited", "gift", "eco", "summer", "winter")
DESCRIPTIONS = ("Made to last.", "Designed in Scandinavia.", "A customer favourite.",
                "Small-batch production.", "Ethically sourced materials.")
SINGLE_VARIANT_SHARE = 0.25  # products with options that still sell one "Default Title"
SALE_SHARE = 0.15


# Orders and checkouts ----------------------------------------------------------------------

LINE_COUNTS = weighted((1, 16), (2, 24), (3, 24), (4, 20), (5, 16))  # about 3 on average
QUANTITIES = weighted((1, 78), (2, 15), (3, 5), (4, 2))
LINE_DISCOUNT_SHARE = 0.12
LINE_DISCOUNTS = (Decimal("0.10"), Decimal("0.15"), Decimal("0.20"))
FREE_SHIPPING_USD = Decimal("100")
SHIPPING_USD = (Decimal("4.90"), Decimal("6.90"), Decimal("9.90"))
# Every status Shopify shows; VOIDED orders are cancelled authorisations, REFUNDED ones are
# returns or cancellations with the money sent back.
FINANCIAL_STATUSES = weighted(
    ("PAID", 60), ("PENDING", 5), ("AUTHORIZED", 6), ("PARTIALLY_PAID", 3),
    ("PARTIALLY_REFUNDED", 7), ("REFUNDED", 8), ("VOIDED", 6), ("EXPIRED", 5),
)
# A completed checkout's order starts PAID (see actions.complete_checkout).
CHECKOUT_ORDER_STATUSES = weighted(("PAID", 85), ("PARTIALLY_REFUNDED", 8), ("REFUNDED", 7))
# What an order is created as before what happens to it turns it into its final status.
CREATED_AS = {"PARTIALLY_REFUNDED": "PAID", "REFUNDED": "PAID"}
SHIPPABLE = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}
VOID_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER")
REFUND_CANCEL_REASONS = ("CUSTOMER", "INVENTORY", "FRAUD", "STAFF")
REFUND_NOTES = ("Returned: wrong size", "Returned: damaged in transit", "Goodwill gesture",
                "Customer changed their mind", None)
SOURCES = weighted(("web", 88), ("pos", 7), ("shopify_draft_order", 5))
ORDER_TAGS = ("gift", "priority", "repeat-customer", "wholesale", "pre-order", "fragile")
ORDER_NOTES = ("Please gift wrap.", "Leave at the door.", "Call before delivery.",
               "Birthday present - no prices on the packing slip.")
CUSTOMER_ORDER_SHARE = 0.78  # orders by customers with an email
NO_EMAIL_CUSTOMER_ORDER_SHARE = 0.07  # by customers known by phone or name only; rest guests
CHECKOUT_CUSTOMER_SHARE = 0.6
COMPLETED_CHECKOUT_SHARE = 0.25

# fmt: on
