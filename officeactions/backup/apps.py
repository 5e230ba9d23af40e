from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "officeactions.backup"
    label = "backup"
    verbose_name = "Backup and restore"
