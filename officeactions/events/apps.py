from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "officeactions.events"
    label = "events"
    verbose_name = "Event bans and organiser access"

    def ready(self) -> None:
        from officeactions.cases.extensions import CaseSection, Hook, Slot, kinds, registry
        from officeactions.events import services, views

        event_ban = kinds(services.EVENT_BAN)
        registry.add_section(
            CaseSection(Slot.KIND, "events/_case_section.html", views.case_context, event_ban)
        )
        registry.on(Hook.APPEAL_REFUSAL, services.appeal_refusal_hook)
        registry.add_step_form("issue_event_ban", "events/steps/issue_event_ban.html")
        registry.add_step_condition(services.issue_refusal)
