from django.urls import path

from crm.views import carts, home, orders, people, segments

app_name = "crm"

urlpatterns = [
    path("", home.index, name="home"),
    path("orders/", orders.index, name="orders"),
    path("orders/board/", orders.board, name="order_board"),
    path("orders/<int:order_id>/", orders.detail, name="order"),
    path("orders/<int:order_id>/properties/", orders.update_properties, name="order_properties"),
    path("orders/<int:order_id>/delete/", orders.delete, name="order_delete"),
    path("carts/", carts.index, name="carts"),
    path("carts/<int:cart_id>/", carts.detail, name="cart"),
    path("carts/<int:cart_id>/properties/", carts.update_properties, name="cart_properties"),
    path("carts/<int:cart_id>/delete/", carts.delete, name="cart_delete"),
    path("contacts/", people.contacts, name="contacts"),
    path("contacts/<int:contact_id>/", people.contact, name="contact"),
    path("companies/", people.companies, name="companies"),
    path("companies/<int:company_id>/", people.company, name="company"),
    path("products/", people.products, name="products"),
    path("segments/", segments.index, name="segments"),
    path("segments/new/", segments.create, name="segment_new"),
    path("segments/<int:segment_id>/", segments.detail, name="segment"),
    path("segments/<int:segment_id>/edit/", segments.edit, name="segment_edit"),
    path("segments/<int:segment_id>/delete/", segments.delete, name="segment_delete"),
]
