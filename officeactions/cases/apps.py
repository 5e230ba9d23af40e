from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "officeactions.cases"
    label = "cases"
    verbose_name = "Cases"
