from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "officeactions.enforcement"
    label = "enforcement"
    verbose_name = "Enforcement on the wikis"

    def ready(self) -> None:
        from officeactions import periodic
        from officeactions.cases.extensions import CaseSection, Slot, registry
        from officeactions.enforcement import api
        from officeactions.enforcement.services import enforce_refusal
        from officeactions.enforcement.tasks import enforcement_resume_task, revert_watch_task
        from officeactions.enforcement.views import case_context

        registry.add_step_condition(enforce_refusal)
        registry.add_section(
            CaseSection(
                Slot.AFTER_PROPOSAL, "enforcement/case/on_the_wikis.html", case_context, order=10
            )
        )
        registry.add_step_form("enforce", "enforcement/steps/enforce.html")
        registry.add_step_form("lift", "enforcement/steps/lift.html")
        periodic.register(revert_watch_task)
        periodic.register(enforcement_resume_task)
        api.register(registry)
