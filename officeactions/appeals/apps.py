from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "officeactions.appeals"
    label = "appeals"
    verbose_name = "Appeals and the Case Review Committee"
