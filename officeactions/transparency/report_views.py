"""The half-yearly transparency report on the web: published reports are public (HTML, CSV,
JSON, PDF, chart images); staff generate them from the list page. Thin: the service decides."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from officeactions.accounts.people import signed_in
from officeactions.accounts.roles import user_roles
from officeactions.errors import ApplicationError
from officeactions.policy import PolicyRefusal
from officeactions.policy.reports import REPORT_ROLES, Period, parse_period
from officeactions.transparency.exports import CHARTS, report_chart_png, report_csv, report_pdf
from officeactions.transparency.models import PublishedReport
from officeactions.transparency.services import report_publish

FORMATS = ("html", "json", "csv", "pdf")


class PeriodForm(forms.Form):
    period = forms.CharField(max_length=16, help_text="e.g. 2026H1 (January-June)")


def _may_generate(request: HttpRequest) -> bool:
    return bool(user_roles(request.user) & REPORT_ROLES)


def _list(request: HttpRequest, form: PeriodForm, status: int = 200, error: str = ""):
    reports = PublishedReport.objects.only("period", "generated_at")
    context = {
        "reports": reports,
        "form": form,
        "may_generate": _may_generate(request),
        "error": error,
    }
    return render(request, "transparency/reports.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _list(request, PeriodForm())
    if not _may_generate(request):
        return _list(
            request,
            PeriodForm(),
            403,
            "Only Trust & Safety staff, legal counsel and reviewers "
            "generate reports; log in as one.",
        )
    form = PeriodForm(request.POST)
    if not form.is_valid():
        return _list(request, form, 400, "Give a period, e.g. 2026H1.")
    try:
        report = report_publish(period=form.cleaned_data["period"], actor=signed_in(request))
    except ApplicationError as exc:
        return _list(request, form, exc.status, exc.message)
    return redirect("transparency:report", period=report.period)


def _published(period: str) -> tuple[Period, PublishedReport]:
    try:
        when = parse_period(period)
    except PolicyRefusal as exc:
        raise ApplicationError(exc.message) from None
    report = PublishedReport.objects.filter(period=str(when)).first()
    if report is None:
        raise Http404(f"No report for {when} has been published.")
    return when, report


def _rendered(report: PublishedReport, what: str, render_it: Callable[[], bytes]) -> bytes:
    """Charts and PDFs take a fraction of a second of CPU each: render each once per
    published version, not once per public request."""
    key = f"transparency-report:{report.period}:{report.generated_at.timestamp()}:{what}"
    # The stubs say "or None"; get_or_set returns what render_it made when the key is missing.
    return cache.get_or_set(key, render_it, timeout=24 * 3600)  # type: ignore[return-value]


def _bad(request: HttpRequest, message: str) -> HttpResponse:
    if request.GET.get("format") in ("json", "csv", "pdf"):
        return JsonResponse({"message": message, "extra": {}}, status=400)
    return render(request, "transparency/report.html", {"error": message}, status=400)


def report_detail(request: HttpRequest, period: str) -> HttpResponse:
    fmt = request.GET.get("format") or "html"
    if fmt not in FORMATS:
        return _bad(request, f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    try:
        when, report = _published(period)
    except ApplicationError as exc:
        return _bad(request, exc.message)
    figures = report.figures
    name = f"transparency-report-{when}"
    if fmt == "json":
        return JsonResponse(figures, json_dumps_params={"ensure_ascii": False})
    if fmt == "csv":
        response = HttpResponse(report_csv(figures), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "pdf":
        pdf = _rendered(report, "pdf", lambda: report_pdf(figures))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    sections: dict[str, list] = {}
    for figure in figures["figures"]:
        sections.setdefault(figure["section"], []).append(figure)
    context = {
        "report": report,
        "r": figures,
        "sections": sections,
        "charts": CHARTS,
        "may_generate": _may_generate(request),
    }
    return render(request, "transparency/report.html", context)


def report_chart(request: HttpRequest, period: str, name: str) -> HttpResponse:
    if name not in CHARTS:
        raise Http404(f"No chart {name!r}.")
    try:
        _, report = _published(period)
    except ApplicationError as exc:
        return JsonResponse({"message": exc.message, "extra": {}}, status=400)
    png = _rendered(report, name, lambda: report_chart_png(report.figures, name))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=300"
    return response
