from django.apps import AppConfig


class BancheckConfig(AppConfig):
    name = "officeactions.bancheck"
    label = "bancheck"
    verbose_name = "Ban check"

    def ready(self) -> None:
        from officeactions.bancheck.services import ban_list_bump
        from officeactions.cases.extensions import Hook, registry

        # The services that change bans in effect call this hook in their own transaction,
        # so the version moves with the change and never without it.
        registry.on(Hook.BANS_CHANGED, ban_list_bump)
