"""Carts whose checkout became an order: recovered by that order, many in one statement."""

from crm import services
from crm.models import Cart


def test_carts_are_recovered_by_their_orders_and_keep_an_earlier_recovery(make_cart, make_order):
    first, second, third = (make_order(name=f"#{n}") for n in (1001, 1002, 1003))
    open_cart = make_cart()
    again = make_cart(recovered_order=first, status="recovered")
    taken = make_cart(recovered_order=third, status="recovered")
    untouched = make_cart()

    services.recover_carts({open_cart.pk: second.pk, again.pk: first.pk, taken.pk: second.pk})

    carts = {cart.pk: (cart.status, cart.recovered_order_id) for cart in Cart.objects.all()}
    assert carts == {
        open_cart.pk: ("recovered", second.pk),
        again.pk: ("recovered", first.pk),
        # Another order recovered it first: it stays that order's.
        taken.pk: ("recovered", third.pk),
        untouched.pk: ("abandoned", None),
    }


def test_nothing_to_recover_runs_no_statement(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        services.recover_carts({})
