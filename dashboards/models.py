"""The report aggregates: small tables per store, day and currency (and product), which every
built-in report reads instead of the orders. dashboards/aggregates.py builds them: for the days
a sync touched, and again in full at night (both give the same rows)."""

from django.conf import settings
from django.db import models

from crm.fields import ZERO, MoneyField


class DailyOrderStats(models.Model):
    """Orders placed on `day` (in UTC) in one store and currency."""

    store = models.CharField(max_length=255, help_text="The shop's domain")
    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0, help_text="Not cancelled")
    cancelled = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=ZERO, help_text="Totals of the orders not cancelled")
    refunds = MoneyField(default=ZERO, help_text="Refunded on the orders placed that day")
    customer_orders = models.PositiveIntegerField(default=0, help_text="Orders with a contact")
    customer_revenue = MoneyField(default=ZERO)
    new_customers = models.PositiveIntegerField(
        default=0, help_text="Orders that were their contact's first"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "currency"], name="dashboards_order_day_once"
            )
        ]
        indexes = [models.Index(fields=["day", "store"], name="dashboards_order_day")]

    def __str__(self):
        return f"{self.store} {self.day} {self.currency}"


class DailyProductStats(models.Model):
    """What one product sold on `day` in one store and currency (orders not cancelled)."""

    store = models.CharField(max_length=255)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    # 0: lines without a product in the CRM (counted under their title).
    product_id = models.BigIntegerField(default=0)
    title = models.CharField(max_length=255, help_text="The product's name when it sold")
    quantity = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "currency", "product_id", "title"],
                name="dashboards_product_day_once",
            )
        ]
        indexes = [models.Index(fields=["day", "store"], name="dashboards_product_day")]

    def __str__(self):
        return f"{self.store} {self.day} {self.title}"


class DailyCartStats(models.Model):
    """Carts started on `day` in one store and currency, and what became of them."""

    store = models.CharField(max_length=255)
    day = models.DateField()
    currency = models.CharField(max_length=3)
    abandoned = models.PositiveIntegerField(default=0)
    abandoned_value = MoneyField(default=ZERO)
    recovered = models.PositiveIntegerField(default=0)
    recovered_value = MoneyField(default=ZERO, help_text="Totals of the orders they became")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "currency"], name="dashboards_cart_day_once"
            )
        ]
        indexes = [models.Index(fields=["day", "store"], name="dashboards_cart_day")]

    def __str__(self):
        return f"{self.store} {self.day} {self.currency}"


class StageStats(models.Model):
    """How many of a store's orders sit in each stage now (rebuilt with the other rows)."""

    store = models.CharField(max_length=255)
    stage_id = models.BigIntegerField()
    pipeline = models.CharField(max_length=100)
    stage = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "stage_id"], name="dashboards_stage_once")
        ]

    def __str__(self):
        return f"{self.store} {self.stage}: {self.orders}"


class DashboardAccess(models.TextChoices):
    PRIVATE = "private", "Only me"
    VIEW = "view", "Everyone can view"
    EDIT = "edit", "Everyone can edit"


class Dashboard(models.Model):
    """A named set of reports in an order, with who may see and change it."""

    name = models.CharField(max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboards"
    )
    access = models.CharField(max_length=16, choices=DashboardAccess, default=DashboardAccess.VIEW)
    # The store the dashboard was made for ("" = all stores); the page can change it.
    store = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @classmethod
    def visible_to(cls, user):
        """The dashboards `user` may see: their own and every one not private."""
        return cls.objects.filter(models.Q(owner=user) | ~models.Q(access=DashboardAccess.PRIVATE))

    def can_view(self, user) -> bool:
        return user.is_active and (user == self.owner or self.access != DashboardAccess.PRIVATE)

    def can_edit(self, user) -> bool:
        return user.is_active and (user == self.owner or self.access == DashboardAccess.EDIT)


class DashboardReport(models.Model):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="reports")
    report_key = models.CharField(max_length=64)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["dashboard", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dashboard", "report_key"], name="dashboards_report_once"
            )
        ]

    def __str__(self):
        return f"{self.dashboard}: {self.report_key}"


class CustomReport(models.Model):
    """A report someone built: a measure of orders or carts, grouped, filtered (the index
    filters). It reads the CRM's tables (dashboards/custom.py)."""

    name = models.CharField(max_length=255)
    object_type = models.CharField(
        max_length=16, choices=[("orders", "Orders"), ("carts", "Carts")], default="orders"
    )
    measure = models.CharField(
        max_length=8, choices=[("count", "Count"), ("sum", "Sum"), ("avg", "Average")]
    )
    # "total", or "properties.<internal name>" of a number property.
    field = models.CharField(max_length=120, default="total")
    # day, week, month, stage, store, status, or "properties.<internal name>" (enumeration).
    group_by = models.CharField(max_length=120, default="month")
    filters = models.JSONField(default=dict, blank=True)
    chart = models.CharField(
        max_length=8,
        choices=[("bar", "Bar chart"), ("line", "Line chart"), ("table", "Table")],
        default="bar",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="custom_reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        return f"custom:{self.pk}"

    def can_view(self, user) -> bool:
        """Its owner sees it, and whoever may see a dashboard that holds it: a report on a
        private dashboard is as private as the dashboard."""
        if not user.is_active:
            return False
        if user.pk == self.owner_id:
            return True
        holding = Dashboard.objects.filter(reports__report_key=self.key).distinct()
        return any(dashboard.can_view(user) for dashboard in holding)

    # Shown where built-in reports show theirs.
    @property
    def title(self) -> str:
        return self.name

    @property
    def formula(self) -> str:
        what = (
            "count" if self.measure == "count" else f"{self.get_measure_display()} of {self.field}"
        )
        return f"{self.get_object_type_display()}: {what.lower()} by {self.group_by}"


class MonthlyProductStats(models.Model):
    """DailyProductStats added up per month: a year of top products reads its whole months
    from here, the whole weeks at its edges from WeeklyProductStats, and only the few days
    left from the daily table."""

    store = models.CharField(max_length=255)
    month = models.DateField(help_text="Its first day")
    currency = models.CharField(max_length=3)
    product_id = models.BigIntegerField(default=0)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "month", "currency", "product_id", "title"],
                name="dashboards_product_month_once",
            )
        ]
        indexes = [models.Index(fields=["month", "store"], name="dashboards_product_month")]

    def __str__(self):
        return f"{self.store} {self.month:%Y-%m} {self.title}"


class WeeklyProductStats(models.Model):
    """DailyProductStats added up per week (Monday to Sunday; a week may straddle two
    months): the edges of a period outside its whole months read these."""

    store = models.CharField(max_length=255)
    week = models.DateField(help_text="Its Monday")
    currency = models.CharField(max_length=3)
    product_id = models.BigIntegerField(default=0)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(default=0)
    revenue = MoneyField(default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "week", "currency", "product_id", "title"],
                name="dashboards_product_week_once",
            )
        ]
        indexes = [models.Index(fields=["week", "store"], name="dashboards_product_week")]

    def __str__(self):
        return f"{self.store} {self.week:%G-W%V} {self.title}"
