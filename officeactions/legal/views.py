"""Legal pages: the public notice and counter-notice forms, the public DMCA log, and the staff
steps on DMCA and child-protection cases."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from officeactions import web
from officeactions.accounts.people import signed_in
from officeactions.cases.selectors import case_get_visible
from officeactions.cases.views import act_on_case
from officeactions.errors import InvalidInput, NotFound
from officeactions.legal import child_protection, counter_notices, services
from officeactions.legal.forms import CounterNoticeForm, NoticeForm
from officeactions.legal.models import CounterNotice, DmcaAttachment, DmcaNotice
from officeactions.policy.dmca import COUNTER_NOTICE_ELEMENTS, NOTICE_ELEMENTS


def notice_new(request: HttpRequest) -> HttpResponse:
    def submit(form: NoticeForm) -> DmcaNotice:
        files = [form.cleaned_data["attachment"]] if form.cleaned_data["attachment"] else []
        return services.dmca_notice_submit(data=form.data_for_service(), attachments=files)

    def done(notice: DmcaNotice) -> HttpResponse:
        defects = services.defect_words(notice.defects, NOTICE_ELEMENTS)
        context = {"notice": notice, "defects": defects}
        return render(request, "legal/notice_received.html", context, status=201)

    form = NoticeForm(request.POST or None, request.FILES or None)
    return web.public_form(request, form, "legal/notice_new.html", submit=submit, done=done)


def counter_notice_new(request: HttpRequest) -> HttpResponse:
    def submit(form: CounterNoticeForm) -> CounterNotice:
        data = form.data_for_service()
        return counter_notices.dmca_counter_notice_submit(
            reference=data.pop("reference"), data=data
        )

    def done(counter: CounterNotice) -> HttpResponse:
        defects = services.defect_words(counter.defects, COUNTER_NOTICE_ELEMENTS)
        context = {"counter": counter, "defects": defects}
        return render(request, "legal/counter_received.html", context, status=201)

    form = CounterNoticeForm(request.POST or None)
    return web.public_form(request, form, "legal/counter_new.html", submit=submit, done=done)


def dmca_log(request: HttpRequest) -> HttpResponse:
    """Public: every accepted takedown. Only DMCA cases, and only their public fields."""
    notices = services.accepted_takedowns()
    return render(request, "legal/dmca_log.html", {"notices": notices})


def dmca_lumen(request: HttpRequest) -> JsonResponse:
    """Public: the accepted takedowns in the Lumen database's notice shape."""
    notices = [services.lumen_notice(n) for n in services.accepted_takedowns()]
    return JsonResponse({"notices": notices})


class CourtActionForm(forms.Form):
    counter = forms.IntegerField()
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SuppressForm(forms.Form):
    url = forms.CharField(max_length=2000, label="URL of the page or revision")


class NcmecForm(forms.Form):
    report_id = forms.CharField(max_length=64, label="CyberTipline report id")
    reported_at = forms.DateTimeField(label="Reported at (UTC, YYYY-MM-DD HH:MM)")
    preserved = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="What was preserved, and where"
    )
    preservation_ends = forms.DateField(required=False, label="Preserve until (blank: one year)")
    law_enforcement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Law-enforcement referral"
    )


@login_required
@require_POST
def court_action(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        counter = CounterNotice.objects.filter(pk=data["counter"], notice__case=case).first()
        if counter is None:
            raise InvalidInput("No such counter-notice on this case.")
        counter_notices.dmca_court_action_record(
            counter=counter, actor=signed_in(request), note=data["note"]
        )
        return "Court action recorded: the material will not be put back."

    return act_on_case(request, reference, act, "court_form", CourtActionForm(request.POST))


@login_required
@require_POST
def suppress(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        op = child_protection.child_protection_suppress(
            case=case, actor=signed_in(request), url=data["url"]
        )
        return f"{op.get_op_display()} of {op.target}: {op.get_state_display()}. {op.message}"

    return act_on_case(request, reference, act, "suppress_form", SuppressForm(request.POST))


@login_required
@require_POST
def ncmec(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case, data):
        report = child_protection.ncmec_report_record(case=case, actor=signed_in(request), **data)
        return (
            f"NCMEC report {report.report_id} recorded; preserved until {report.preservation_ends}."
        )

    return act_on_case(request, reference, act, "ncmec_form", NcmecForm(request.POST))


@login_required
def attachment(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """Staff who may see the case may read its documents; nobody else learns they exist."""
    try:
        case = case_get_visible(request.user, reference)
    except NotFound:
        raise Http404 from None
    doc = DmcaAttachment.objects.filter(pk=pk, notice__case=case).first()
    if doc is None:
        raise Http404
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'attachment; filename="{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
