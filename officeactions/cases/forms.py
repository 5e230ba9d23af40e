from __future__ import annotations

from django import forms

from officeactions.cases.configured import catalog
from officeactions.policy import Team
from officeactions.policy.catalog import ReviewRule
from officeactions.policy.clocks import DelayReason

TERM_LABELS = {
    "purpose": "Purpose",
    "no_other_reasonable_way": "Why there is no other reasonable way to obtain this",
    "grounds": "Grounds (court order or substantial risk, with details)",
    "wiki": "Wiki (database name, e.g. enwiki)",
    "page": "Page title",
    "username": "Username",
    "groups": "Groups to remove (comma-separated, e.g. sysop, checkuser)",
    "no_rights_period": "No-rights period (e.g. 12 months, or permanent)",
    "reapply_criteria": "Criteria to meet before reapplying (one per line)",
    "why_no_warning": "Why no warning was practical (a direct ban, with no earlier warning)",
}


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's own copy of a choice field, to set its choices when the form is made."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field.")
    return field


def wiki_accounts(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        wiki, sep, username = line.partition(":")
        if not sep or not wiki.strip() or not username.strip():
            raise forms.ValidationError(f"{line.strip()!r} is not wiki:username.")
        pairs.append((wiki.strip(), username.strip()))
    return pairs


class SubjectFields(forms.Form):
    """The person an action is about: a name, their accounts per wiki, their IPs and ranges."""

    subject_name = forms.CharField(
        max_length=200, required=False, help_text="The person the action is about, if any."
    )
    accounts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One per line: wiki:username, e.g. enwiki:Example",
    )
    addresses = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="One IP address or CIDR range per line.",
    )

    def clean_accounts(self) -> list[tuple[str, str]]:
        return wiki_accounts(self.cleaned_data["accounts"])

    def clean_addresses(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data["addresses"].splitlines() if a.strip()]


def subject_display_name(data: dict) -> str:
    """The name given, else the first username, else the first address."""
    return (
        data["subject_name"]
        or (data["accounts"] or [("", "")])[0][1]
        or (data["addresses"] or [""])[0]
    )


class CaseOpenForm(SubjectFields):
    kind = forms.ChoiceField(choices=[])
    team = forms.ChoiceField(
        choices=[("", "As the catalog says")] + [(t.value, t.label) for t in Team], required=False
    )
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    enforces = forms.CharField(
        max_length=16, required=False, help_text="Reference of the action this one enforces."
    )
    subject_id = forms.IntegerField(
        required=False,
        label="Or a person already on record (#)",
        help_text="The same person as on an earlier case: its warnings show in the history.",
    )
    field_order = ["kind", "team", "title", "summary", "subject_name", "accounts", "addresses"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = catalog().choices()


class TransitionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    message_to_requester = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )
    seriousness = forms.TypedChoiceField(
        choices=[(1, "1"), (2, "2"), (3, "3")],
        coerce=int,
        required=False,
        empty_value=1,  # type: ignore[arg-type]  # the stubs say str or None; Django takes any
    )
    bad_faith = forms.BooleanField(required=False)


class DelayForm(forms.Form):
    reason = forms.ChoiceField(choices=[(r.value, r.label) for r in DelayReason])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class LockoutLiftForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ProposalForm(forms.Form):
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Terms of the action: scope, expiry, wikis…",
    )

    def __init__(self, *args, rule: ReviewRule, optional_terms: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        for term in (*rule.required_terms, *optional_terms):
            self.fields[term] = forms.CharField(
                label=TERM_LABELS.get(term, term.replace("_", " ").capitalize()),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,  # the service says what is missing, in the policy's words
            )
        self.required_terms = rule.required_terms
        self.optional_terms = optional_terms

    def terms(self) -> dict[str, str]:
        terms = {t: self.cleaned_data.get(t, "") for t in self.required_terms}
        terms |= {t: self.cleaned_data[t] for t in self.optional_terms if self.cleaned_data.get(t)}
        if self.cleaned_data.get("details"):
            terms["details"] = self.cleaned_data["details"]
        return terms


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EvidenceForm(forms.Form):
    url = forms.CharField(max_length=2000, required=False, label="URL")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AssignForm(forms.Form):
    username = forms.CharField(max_length=150)
