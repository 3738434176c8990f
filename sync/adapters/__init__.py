"""One adapter per object pair; `ADAPTERS[object_type]`."""

from sync.adapters.carts import CartAdapter
from sync.adapters.companies import CompanyAdapter
from sync.adapters.contacts import ContactAdapter
from sync.adapters.orders import OrderAdapter
from sync.adapters.products import ProductAdapter

ADAPTERS = {
    adapter.object_type: adapter
    for adapter in (
        ContactAdapter(),
        CompanyAdapter(),
        ProductAdapter(),
        OrderAdapter(),
        CartAdapter(),
    )
}
