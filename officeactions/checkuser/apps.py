from django.apps import AppConfig


class CheckUserConfig(AppConfig):
    name = "officeactions.checkuser"
    label = "checkuser"
    verbose_name = "Staff CheckUser use"
