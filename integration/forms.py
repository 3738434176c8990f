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
