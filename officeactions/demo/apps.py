from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "officeactions.demo"
    label = "demo"
    verbose_name = "Demo data"
