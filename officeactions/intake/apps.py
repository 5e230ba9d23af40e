from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "officeactions.intake"
    label = "intake"
    verbose_name = "Requests and requesters"

    def ready(self) -> None:
        from officeactions import periodic
        from officeactions.cases.extensions import registry
        from officeactions.intake import casework
        from officeactions.intake.tasks import request_file_sweep_task

        casework.register(registry)
        periodic.register(request_file_sweep_task)
