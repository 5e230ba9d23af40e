"""CheckUser on the case page: record an entry, share or withhold its results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from officeactions.accounts.people import signed_in
from officeactions.cases.views import act_on_case
from officeactions.checkuser import services
from officeactions.checkuser.forms import EntryForm, ShareForm, WithholdForm
from officeactions.checkuser.models import CheckUserEntry
from officeactions.errors import NotFound


def _entry_of(case, pk: int) -> CheckUserEntry:
    entry = case.checkuser_entries.filter(pk=pk).first()
    if entry is None:
        raise NotFound(f"No CheckUser entry {pk} on this case.")
    return entry


@login_required
@require_POST
def entry_new(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        services.checkuser_record(case=case, actor=signed_in(request), **data)
        return "CheckUser entry recorded."

    return act_on_case(request, reference, act, "checkuser_form", EntryForm(request.POST))


@login_required
@require_POST
def entry_share(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    def act(case, data):
        services.checkuser_share(
            entry=_entry_of(case, pk),
            actor=signed_in(request),
            stewards=data["stewards"].replace(",", " ").split(),
            note=data["note"],
        )
        return "Sharing with stewards recorded."

    return act_on_case(request, reference, act, "share_form", ShareForm(request.POST))


@login_required
@require_POST
def entry_withhold(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    def act(case, data):
        services.checkuser_withhold(entry=_entry_of(case, pk), actor=signed_in(request), **data)
        return "Withholding recorded."

    return act_on_case(request, reference, act, "withhold_form", WithholdForm(request.POST))
