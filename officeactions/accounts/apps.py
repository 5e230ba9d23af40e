from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "officeactions.accounts"
    label = "accounts"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        from officeactions.accounts import schema  # noqa: F401  (registers the extensions)
