"""The staff pages of the CRM: orders, carts, and the contacts and companies they belong to."""
