from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "officeactions.sanctions"
    label = "sanctions"
    verbose_name = "Warnings, rights removal and reports against a ban"

    def ready(self) -> None:
        from officeactions.cases.extensions import registry
        from officeactions.sanctions import casework

        casework.register(registry)
