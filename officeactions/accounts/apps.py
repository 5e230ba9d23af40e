from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "officeactions.accounts"
    label = "accounts"
    verbose_name = "Staff and roles"
