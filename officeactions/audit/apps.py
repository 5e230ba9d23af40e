from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "officeactions.audit"
    label = "audit"
    verbose_name = "Audit log"
