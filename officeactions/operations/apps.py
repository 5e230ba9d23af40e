from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "officeactions.operations"
    verbose_name = "Operations: backup and restore"
