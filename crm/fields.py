from decimal import Decimal

from django.db import models

ZERO = Decimal("0")


class MoneyField(models.DecimalField):
    """An amount of money: a `Decimal`, never a float.

    Three decimal places hold every ISO 4217 currency (KWD, BHD and TND use three); the
    currency itself lives in a sibling column. A float reaching the database is a bug (binary
    floats cannot hold 0.10 exactly), so it is refused loudly instead of being rounded quietly.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 20)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, float):
            raise TypeError(f"Money must be a Decimal, an int or a string, not the float {value!r}")
        return super().to_python(value)
