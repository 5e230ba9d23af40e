"""The case page's appeals panel: the original case shows its appeals and modifications."""

from django import template

from officeactions.accounts.roles import user_roles
from officeactions.appeals import selectors
from officeactions.appeals.services import window_for
from officeactions.cases.models import Case
from officeactions.policy import PolicyRefusal, Team
from officeactions.policy.appeals import ACTION_ISSUED, Modification

register = template.Library()


@register.inclusion_tag("appeals/_case_appeals.html", takes_context=True)
def case_appeals_panel(context: template.Context, case: Case) -> dict:
    user = context["request"].user
    try:
        window = window_for(case)
    except PolicyRefusal:
        window = None  # the investigation has not ended: nothing to appeal yet
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "appeals": selectors.appeals_of_case(case, user),
        "modifications": case.modifications.select_related("recorded_by"),
        "window": window if case.action_kind.appeal.appealable else None,
        "may_modify": case.case_state in ACTION_ISSUED
        and Team(case.team).member_role in user_roles(user),
        "modification_kinds": [(m.value, m.label) for m in Modification],
    }
