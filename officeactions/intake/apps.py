from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "officeactions.intake"
    label = "intake"
    verbose_name = "Requests and requesters"

    def ready(self) -> None:
        from officeactions.cases.extensions import registry
        from officeactions.intake import casework

        casework.register(registry)
