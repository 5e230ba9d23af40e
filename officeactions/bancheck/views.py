"""The ban check page for staff and event organisers: the same answer as the API."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from officeactions.bancheck.services import check as ban_check
from officeactions.bancheck.services import may_check_bans, organiser_check
from officeactions.errors import ApplicationError


class CheckForm(forms.Form):
    user = forms.CharField(required=False, max_length=300, strip=False, label="Username")
    ip = forms.CharField(required=False, max_length=300, label="IP address")
    wiki = forms.CharField(required=False, max_length=64)
    event = forms.IntegerField(required=False, min_value=1, max_value=10**18)


@login_required
def check_page(request: HttpRequest) -> HttpResponse:
    if not may_check_bans(request.user):
        raise Http404  # as for a case one may not see: the page is not there for them
    form = CheckForm(request.GET or None)
    answer, error, status = None, "", 200
    if form.is_bound:
        if not form.is_valid():
            error, status = "; ".join(str(e) for errs in form.errors.values() for e in errs), 400
        else:
            d = form.cleaned_data
            user, ip = d["user"] or None, d["ip"] or None
            try:
                organiser_check(request.user, user_asked=user, ip=ip, event=d["event"])
                answer = ban_check(user, ip, wiki=d["wiki"] or None, event=d["event"]).as_dict()
            except ApplicationError as exc:
                error, status = exc.message, exc.status
    template = (
        "bancheck/_answer.html" if request.headers.get("HX-Request") else "bancheck/check.html"
    )
    return render(
        request, template, {"form": form, "answer": answer, "error": error}, status=status
    )
