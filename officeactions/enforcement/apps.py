from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "officeactions.enforcement"
    label = "enforcement"
    verbose_name = "Enforcement on the wikis"
