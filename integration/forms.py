from django import forms

from integration.services import normalize_shop_domain


class ConnectStoreForm(forms.Form):
    shop = forms.CharField(
        label="Your store's Shopify URL",
        max_length=255,
        help_text="For example your-store.myshopify.com or admin.shopify.com/store/your-store",
        widget=forms.TextInput(
            attrs={"placeholder": "your-store.myshopify.com", "autofocus": True}
        ),
    )

    def clean_shop(self):
        return normalize_shop_domain(self.cleaned_data["shop"])


class ClientCredentialsForm(forms.Form):
    """An app made in the Dev Dashboard for one store: the store, and the app's credentials
    (Dev Dashboard → the app → Settings)."""

    shop = forms.CharField(
        label="The store's Shopify URL",
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "your-store.myshopify.com"}),
    )
    client_id = forms.CharField(label="Client ID", max_length=255)
    client_secret = forms.CharField(
        label="Client secret", max_length=255, widget=forms.PasswordInput(render_value=False)
    )

    def clean_shop(self):
        return normalize_shop_domain(self.cleaned_data["shop"])

    def clean_client_id(self):
        return self.cleaned_data["client_id"].strip()

    def clean_client_secret(self):
        return self.cleaned_data["client_secret"].strip()
