from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "officeactions.transparency"
    label = "transparency"
    verbose_name = "Transparency"
