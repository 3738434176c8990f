"""The dashboards on the staff home (/crm/, crm.home): every dashboard the person may see,
and the way to make one."""

from django.urls import reverse

from dashboards.models import Dashboard


def sections(request) -> list[dict]:
    visible = Dashboard.visible_to(request.user)
    links = [
        {
            "label": dashboard.name,
            "url": reverse("dashboards:page", args=[dashboard.pk]),
            "note": dashboard.store or "all stores",
        }
        for dashboard in visible
    ]
    links.append({"label": "New dashboard", "url": reverse("dashboards:create")})
    links.append({"label": "All dashboards", "url": reverse("dashboards:index")})
    links.append({"label": "Custom reports", "url": reverse("dashboards:custom_index")})
    return [{"title": "Dashboards", "links": links, "order": 15}]
