"""Forms for sanctions: drafting a conduct warning, checking a reapplication, and the reports
against a ban."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from officeactions.cases.forms import choice_field, wiki_accounts
from officeactions.policy import CATALOG
from officeactions.policy.sanctions import PROXY_SANCTION_KINDS
from officeactions.sanctions.models import BanReport


class ConductWarningForm(forms.Form):
    recipient_email = forms.CharField(max_length=254, label="The person's email address")
    conduct = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="The conduct the warning is about"
    )
    expectations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="The corrective measures expected"
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Why a warning (for the reviewers)"
    )


class ReapplicationForm(forms.Form):
    applied_on = forms.DateField(label="Reapplied on (YYYY-MM-DD)")
    criteria_met = forms.MultipleChoiceField(
        choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, criteria: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "criteria_met").choices = [(c, c) for c in criteria]
        self.fields["criteria_met"].label = "Criteria met"


class BreachReportForm(forms.Form):
    reported_by = forms.CharField(max_length=255, label="Reported by")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    evidence_url = forms.CharField(max_length=2000, required=False, label="Evidence URL")
    accounts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Suspected accounts, one per line: wiki:username",
    )

    def clean_accounts(self) -> list[tuple[str, str]]:
        return wiki_accounts(self.cleaned_data["accounts"])


class SuspectDecisionForm(forms.Form):
    suspect_id = forms.IntegerField()
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("reject", "Reject")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 1}), required=False)


class BanReportForm(forms.Form):
    kind = forms.ChoiceField(choices=BanReport.Kind.choices)
    wiki = forms.CharField(max_length=64)
    username = forms.CharField(max_length=255)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    evidence_url = forms.CharField(max_length=2000, required=False, label="Evidence URL")
    sanction = forms.ChoiceField(
        choices=[(code, CATALOG.get(code).name) for code in PROXY_SANCTION_KINDS],
        label="Proposed sanction",
    )
