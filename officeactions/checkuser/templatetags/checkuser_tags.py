"""The case page's CheckUser panel: entries for who sees the case, results for its staff."""

from django import template

from officeactions.accounts.roles import user_roles
from officeactions.cases.models import Case
from officeactions.checkuser import selectors
from officeactions.checkuser.services import is_case_staff
from officeactions.policy import Role
from officeactions.policy.checkuser import Purpose, WithholdReason

register = template.Library()


@register.inclusion_tag("checkuser/_case_checkuser.html", takes_context=True)
def case_checkuser_panel(context: template.Context, case: Case) -> dict:
    user = context["request"].user
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "entries": selectors.entries_for(case, user),
        "is_case_staff": is_case_staff(case, user),
        # Recording, sharing and withholding are Trust & Safety staff's (a staff account acts).
        "may_work": Role.TS_STAFF in user_roles(user) and is_case_staff(case, user),
        "purposes": [(p.value, p.label) for p in Purpose],
        "withhold_reasons": [(r.value, r.label) for r in WithholdReason],
    }
