"""`field__any=values`: `field IN values`, sent to PostgreSQL as `field = ANY(%s)` with the
values as one array parameter. The sync looks up hundreds of ids per batch, and Django
compiling one placeholder per value (then psycopg rewriting them) cost more than the query.
For a subquery it is exactly `__in`."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignKey, ForeignObject, IntegerField
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def get_prep_lookup(self):
        if self._plain_ids():
            return list(self.rhs)
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if not isinstance(self.rhs, (list, tuple, set, frozenset)):
            return super().as_sql(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        if not self._plain_ids():
            values = [field.get_db_prep_value(value, connection) for value in values]
        # Typed as the column, or PostgreSQL compares the column as numeric and skips its index.
        return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", (*lhs_params, values)

    def _plain_ids(self) -> bool:
        """Whole numbers for an integer column (ids, mostly): they need no preparation, which
        cost a field method call per value, twice."""
        if not isinstance(self.rhs, (list, tuple, set, frozenset)):
            return False
        field = getattr(self.lhs, "output_field", None)
        if isinstance(field, ForeignKey):
            field = field.target_field
        return isinstance(field, IntegerField) and all(
            type(value) is int or value is None for value in self.rhs
        )


Field.register_lookup(AnyOf)
# Relations keep lookups of their own: `order__any=[ids]` compares the key column.
ForeignObject.register_lookup(AnyOf)
