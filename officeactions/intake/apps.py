from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "officeactions.intake"
    label = "intake"
    verbose_name = "Requests and requesters"

    def ready(self) -> None:
        from officeactions import periodic
        from officeactions.intake.tasks import request_file_sweep_task

        periodic.register(request_file_sweep_task)
