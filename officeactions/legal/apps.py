from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "officeactions.legal"
    label = "legal"
    verbose_name = "DMCA and child protection"
