from django.apps import AppConfig


class CheckUserConfig(AppConfig):
    name = "officeactions.checkuser"
    label = "checkuser"
    verbose_name = "Staff CheckUser use"

    def ready(self) -> None:
        from officeactions import periodic
        from officeactions.checkuser.tasks import checkuser_purge_task

        periodic.register(checkuser_purge_task)
