from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "officeactions.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from officeactions.cases.extensions import registry
        from officeactions.cases.services import warning_issue_refusal

        # The engine's own steps that have a form of their own on the case page.
        registry.add_step_form("propose_action", "cases/steps/propose_action.html")
        registry.add_step_form("approve", "cases/steps/approve.html")
        registry.add_step_form("decline", "cases/steps/through_review.html")
        registry.add_step_form("issue_warning", "cases/steps/issue_warning.html")
        registry.add_step_condition(warning_issue_refusal)
