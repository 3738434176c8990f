"""Which scopes a token may get: those the administrator allowed its application, of the
site's scopes (settings.OAUTH2_PROVIDER["SCOPES"])."""

from oauth2_provider.scopes import SettingsScopes


class ApplicationScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        everything = super().get_available_scopes(application, request, *args, **kwargs)
        if application is None:
            return everything
        return [scope for scope in everything if scope in application.allowed_scopes]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # Asked for nothing in particular: whatever the app was allowed.
        return self.get_available_scopes(application, request, *args, **kwargs)
