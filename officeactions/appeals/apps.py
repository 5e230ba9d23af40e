from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "officeactions.appeals"
    label = "appeals"
    verbose_name = "Appeals and the Case Review Committee"

    def ready(self) -> None:
        from officeactions.appeals.selectors import appeal_counts
        from officeactions.cases.extensions import CaseSection, Hook, Slot, no_context, registry

        registry.on(Hook.APPEAL_COUNTS, appeal_counts)
        registry.add_section(
            CaseSection(Slot.AFTER_PROPOSAL, "appeals/case/section.html", no_context, order=60)
        )
