from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "officeactions.intake"
    label = "intake"
    verbose_name = "Requests and requesters"
