from django.apps import AppConfig


class CheckUserConfig(AppConfig):
    name = "officeactions.checkuser"
    label = "checkuser"
    verbose_name = "Staff CheckUser use"

    def ready(self) -> None:
        from officeactions import periodic
        from officeactions.cases.extensions import CaseSection, Slot, no_context, registry
        from officeactions.checkuser.tasks import checkuser_purge_task

        periodic.register(checkuser_purge_task)
        registry.add_section(
            CaseSection(Slot.AFTER_PROPOSAL, "checkuser/case/section.html", no_context, order=70)
        )
