from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "officeactions.events"
    label = "events"
    verbose_name = "Event bans and organiser access"
