"""Public transparency pages: the office actions log and the global bans list, as HTML, JSON
and CSV. Everything goes through transparency.visibility."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from officeactions.policy import CATALOG
from officeactions.transparency.selectors import public_operations
from officeactions.transparency.visibility import PUBLIC_KINDS, performer_label, public_target

MAX_PAGE_SIZE = 100
# The log is counted up to this many entries: an exact count of a long log costs more than the
# page itself. Beyond it the count reads "more than 1000" and pages go on while entries do.
COUNT_CAP = 1_000


@dataclass(frozen=True)
class LogPage:
    number: int
    size: int
    rows: list
    has_next: bool
    count: int  # at most COUNT_CAP
    exact: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def log_page(ops, number: int, size: int) -> LogPage | None:
    """One page of the log, or None when the page is past the last entry (page 1 always
    exists, empty or not)."""
    counted = ops.order_by()[: COUNT_CAP + 1].count()  # any COUNT_CAP + 1 rows will do
    window = list(ops[(number - 1) * size : number * size + 1])
    if number > 1 and not window:
        return None
    return LogPage(
        number=number,
        size=size,
        rows=window[:size],
        has_next=len(window) > size,
        count=min(counted, COUNT_CAP),
        exact=counted <= COUNT_CAP,
    )


class LogFilter(forms.Form):
    wiki = forms.SlugField(required=False, max_length=64)
    kind = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in PUBLIC_KINDS])
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    format = forms.ChoiceField(required=False, choices=[("", ""), ("json", "json"), ("csv", "csv")])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("'since' is after 'until'.")
        if data.get("since") and data["since"] > date.today():
            raise forms.ValidationError("'since' is in the future.")
        return data


def _row(op) -> dict:
    return {
        "date": op.done_at.date().isoformat(),
        "kind": CATALOG.get(op.case.kind).name,
        "wiki": op.wiki,
        "target": public_target(op.case.kind, op.target),
        "performed_by": performer_label(op.performer),
        "reference": op.case.reference,
    }


def _bad(request, form) -> HttpResponse:
    errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    if request.GET.get("format") in ("json", "csv"):
        return JsonResponse({"message": "Invalid filter.", "extra": {"fields": errors}}, status=400)
    return render(request, "transparency/log.html", {"form": form, "errors": errors}, status=400)


def office_actions_log(request: HttpRequest) -> HttpResponse:
    form = LogFilter(request.GET)
    if not form.is_valid():
        return _bad(request, form)
    f = form.cleaned_data
    ops = public_operations(wiki=f["wiki"], kind=f["kind"], since=f["since"], until=f["until"])
    page = log_page(ops, f["page"] or 1, f["size"] or 50)
    if page is None:
        form.add_error("page", "There is no such page: it is past the last entry.")
        return _bad(request, form)
    rows = [_row(op) for op in page.rows]
    if f["format"] == "json":
        return JsonResponse(
            {
                "count": page.count,
                "count_is_exact": page.exact,
                "page": page.number,
                "pages": page.pages,
                "results": rows,
            }
        )
    if f["format"] == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="office-actions.csv"'
        writer = csv.DictWriter(response, fieldnames=list(_FIELDS))
        writer.writeheader()
        writer.writerows(rows)
        return response
    return render(request, "transparency/log.html", {"form": form, "rows": rows, "page": page})


_FIELDS = ("date", "kind", "wiki", "target", "performed_by", "reference")


def global_bans(request: HttpRequest) -> HttpResponse:
    """Usernames and dates of global bans in effect; nothing more."""
    listed = [kind.code for kind in CATALOG if kind.public_ban_list]
    ops = public_operations(kinds=listed).filter(op="block", case__state="in_effect")
    seen, rows = set(), []
    for op in ops:
        name = public_target(op.case.kind, op.target)
        # A verified operation always has its done_at (enforcement sets them together).
        if name and name not in seen and op.done_at is not None:
            seen.add(name)
            rows.append({"username": name, "date": op.done_at.date().isoformat()})
    if request.GET.get("format") == "json":
        return JsonResponse({"global_bans": rows})
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        writer = csv.DictWriter(response, fieldnames=["username", "date"])
        writer.writeheader()
        writer.writerows(rows)
        return response
    return render(request, "transparency/global_bans.html", {"rows": rows})
