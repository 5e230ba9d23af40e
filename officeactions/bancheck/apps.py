from django.apps import AppConfig


class BancheckConfig(AppConfig):
    name = "officeactions.bancheck"
    label = "bancheck"
    verbose_name = "Ban check"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from officeactions.audit.models import AuditEntry
        from officeactions.bancheck.services import ban_list_changed_on_audit

        # Every change to a case is audited in its own transaction, so the audit log is where
        # this app hears of bans taking effect, being lifted or expiring, without the services
        # that make those changes knowing of it.
        post_save.connect(ban_list_changed_on_audit, sender=AuditEntry, weak=False)
