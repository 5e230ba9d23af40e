"""The case page's CheckUser panel: entries for who sees the case, results for its staff."""

from django import template

from officeactions.checkuser import selectors
from officeactions.checkuser.services import is_case_staff
from officeactions.policy.checkuser import Purpose, WithholdReason

register = template.Library()


@register.inclusion_tag("checkuser/_case_checkuser.html", takes_context=True)
def case_checkuser_panel(context, case):
    user = context["request"].user
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "entries": selectors.entries_for(case, user),
        "is_case_staff": is_case_staff(case, user),
        "purposes": [(p.value, p.label) for p in Purpose],
        "withhold_reasons": [(r.value, r.label) for r in WithholdReason],
    }
