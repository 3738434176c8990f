"""The admin's list of apps, ordered for a merchant rather than alphabetically: the stores and
their syncs first, then the CRM's records, then the staff pages and dashboards, then who may
get in (users, API applications). The machinery a merchant never needs day to day — the OAuth
toolkit's tokens and grants, the job queues — goes last, under "Advanced", folded
(templates/admin/app_list.html). An app's own page (/admin/<app>/) is left as Django lists it."""

from django.urls import reverse

# App labels in the order the admin lists them; an app not named comes after them, by name.
ORDER = ["integration", "sync", "crm", "staff_pages", "auth", "api"]
# Apps whose models go under "Advanced", with the names that say what they are.
ADVANCED = {
    "oauth2_provider": {
        "AccessToken": "API access tokens",
        "RefreshToken": "API refresh tokens",
        "Grant": "API authorization grants",
        "IDToken": "API ID tokens",
    },
    "django_rq": {"Dashboard": "Job queues"},
}
ADVANCED_LABEL = "advanced"

# The staff pages and dashboards live outside the admin; the index links to them as if they
# were an app's models, so the admin home shows the way to them.
STAFF_PAGES = [
    ("Home", "crm:home"),
    ("Dashboards", "dashboards:index"),
    ("Orders", "crm:orders"),
    ("Carts", "crm:carts"),
    ("Contacts", "crm:contacts"),
    ("Segments", "crm:segments"),
]


def staff_pages_app() -> dict:
    return {
        "name": "Staff pages and dashboards",
        "app_label": "staff_pages",
        "app_url": reverse("crm:home"),
        "has_module_perms": True,
        "models": [
            {
                "name": label,
                "object_name": name.split(":")[1].replace("_", ""),
                "admin_url": reverse(name),
                "add_url": None,
                "view_only": True,
                "perms": {"view": True},
            }
            for label, name in STAFF_PAGES
        ],
    }


def ordered(app_list: list[dict], request) -> list[dict]:
    """The index's apps in ORDER, the advanced ones gathered into one app at the end."""
    advanced_models = []
    apps = []
    for app in app_list:
        names = ADVANCED.get(app["app_label"])
        if names is None:
            apps.append(app)
            continue
        for model in app["models"]:
            advanced_models.append(
                {**model, "name": names.get(model["object_name"], model["name"])}
            )
    if request.user.is_active and request.user.is_staff:
        apps.append(staff_pages_app())
    position = {label: index for index, label in enumerate(ORDER)}
    apps.sort(key=lambda app: (position.get(app["app_label"], len(ORDER)), app["name"].lower()))
    if advanced_models:
        advanced_models.sort(key=lambda model: model["name"])
        apps.append(
            {
                "name": "Advanced",
                "app_label": ADVANCED_LABEL,
                "app_url": "",
                "has_module_perms": True,
                "models": advanced_models,
            }
        )
    return apps


def install(site) -> None:
    """Make `site` list its apps this way (the index and the side navigation)."""
    original = site.get_app_list

    def get_app_list(request, app_label=None):
        app_list = original(request, app_label)
        return app_list if app_label else ordered(app_list, request)

    site.get_app_list = get_app_list
