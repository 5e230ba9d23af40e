from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "officeactions.legal"
    label = "legal"
    verbose_name = "DMCA and child protection"

    def ready(self) -> None:
        from officeactions.cases.extensions import registry
        from officeactions.legal import casework

        casework.register(registry)
