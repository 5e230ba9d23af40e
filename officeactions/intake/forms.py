from typing import Any

from django import forms

from officeactions.cases.configured import catalog
from officeactions.cases.forms import choice_field


def requestable_kinds() -> list[tuple[str, str]]:
    return [("", "— choose —")] + [(k.code, k.name) for k in catalog() if k.publicly_requestable]


class CompleteForm(forms.Form):
    """What completes a request: the request itself. Field checks live in intake.services; the
    form only carries what was typed."""

    action_requested = forms.ChoiceField(choices=[], required=False, label="Action requested")
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Summary of the reasons for the request",
    )
    community_evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Links to earlier attempts through the community's own processes (one per line)",
    )
    no_community_process_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="If there were none: why that was not possible",
    )
    supporting_information = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Information and evidence in support of the request",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "action_requested").choices = requestable_kinds()


class RequestForm(CompleteForm):
    """A new request: the request, and who sends it."""

    ncmec_report = forms.CharField(
        max_length=64,
        required=False,
        label="If this was already reported to NCMEC: the report or case id",
    )
    name = forms.CharField(max_length=200, required=False, label="Your name (optional)")
    email = forms.CharField(max_length=254, label="Your email address")
    wiki_username = forms.CharField(
        max_length=255, required=False, label="Your wiki username (optional)"
    )
