from django import forms

from officeactions.policy.appeals import Appellant, Modification, Outcome


class AppealForm(forms.Form):
    """Field checks live in appeals.services; the form only carries what was typed."""

    appellant = forms.ChoiceField(
        choices=[
            (Appellant.REQUESTER.value, "I requested the case (I have its status link)"),
            (Appellant.SUBJECT.value, "The case was about me (I hold the account it names)"),
        ],
        widget=forms.RadioSelect,
        label="Who are you in this case?",
    )
    status_token = forms.CharField(
        required=False, max_length=300, label="If you requested it: your request's status link"
    )
    case_reference = forms.CharField(
        required=False, max_length=32, label="If it was about you: the case reference (OA-…)"
    )
    wiki = forms.CharField(required=False, max_length=64, label="Wiki (e.g. enwiki)")
    wiki_username = forms.CharField(required=False, max_length=255, label="Your username there")
    grounds = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
        label="Why the decision was inappropriate",
    )
    contact_email = forms.CharField(required=False, max_length=254, label="Email (optional)")


class CounselForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve for review"), ("refuse", "Refuse")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(o.value, o.value.capitalize()) for o in Outcome])
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    new_terms = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="New terms (if modified)"
    )


class ModificationForm(forms.Form):
    kind = forms.ChoiceField(choices=[(m.value, m.label) for m in Modification])
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
