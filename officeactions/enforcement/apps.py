from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "officeactions.enforcement"
    label = "enforcement"
    verbose_name = "Enforcement on the wikis"

    def ready(self) -> None:
        from officeactions.cases.extensions import registry
        from officeactions.enforcement import api
        from officeactions.enforcement.services import enforce_refusal

        registry.add_step_condition(enforce_refusal)
        api.register(registry)
