from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "officeactions.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from officeactions.cases.extensions import registry

        # The engine's own steps that have a form of their own on the case page.
        registry.add_step_form("propose_action", "cases/steps/propose_action.html")
        registry.add_step_form("approve", "cases/steps/approve.html")
        registry.add_step_form("decline", "cases/steps/through_review.html")
