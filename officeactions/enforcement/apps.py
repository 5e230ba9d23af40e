from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "officeactions.enforcement"
    label = "enforcement"
    verbose_name = "Enforcement on the wikis"

    def ready(self) -> None:
        from officeactions import periodic
        from officeactions.enforcement.tasks import enforcement_resume_task, revert_watch_task

        periodic.register(revert_watch_task)
        periodic.register(enforcement_resume_task)
