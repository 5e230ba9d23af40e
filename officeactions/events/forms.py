from __future__ import annotations

from django import forms

from officeactions.policy.events import GlobalBanLink


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


class ScopeForm(forms.Form):
    listed_name = forms.CharField(max_length=255, label="Name or pseudonym on the list")
    other_names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Other names or pseudonyms (one per line)",
    )
    country = forms.CharField(
        max_length=2, required=False, label="Country (ISO code, e.g. DE; blank: anywhere)"
    )
    city = forms.CharField(max_length=120, required=False, label="City (blank: whole country)")
    projects = forms.CharField(
        max_length=2000,
        required=False,
        label="Projects (comma-separated, e.g. enwiki, MediaWiki; blank: every project)",
    )
    starts_on = forms.DateField(required=False, label="From (YYYY-MM-DD; blank: today)")
    until = forms.DateField(required=False, label="Until, last day (blank: indefinite)")
    irrevocable = forms.BooleanField(required=False)
    global_ban = forms.ChoiceField(
        choices=[(g.value, g.label) for g in GlobalBanLink], initial=GlobalBanLink.NONE
    )
    global_ban_reference = forms.CharField(
        max_length=16, required=False, label="Global ban case reference (if any)"
    )
    identifying_details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )

    def clean_other_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["other_names"].splitlines() if n.strip()]

    def clean_projects(self) -> list[str]:
        return _lines(self.cleaned_data["projects"])


class PhotoForm(forms.Form):
    photo = forms.FileField(label="Photograph (PNG or JPEG)")


class GlobalBanForm(forms.Form):
    global_ban_reference = forms.CharField(max_length=16, label="Global ban case reference")


class IssueForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EventForm(forms.Form):
    name = forms.CharField(max_length=200)
    city = forms.CharField(max_length=120)
    country = forms.CharField(max_length=2, label="Country (ISO code, e.g. DE)")
    projects = forms.CharField(max_length=2000, label="Projects (comma-separated)")
    starts_on = forms.DateField(label="First day (YYYY-MM-DD)")
    ends_on = forms.DateField(label="Last day (YYYY-MM-DD)")

    def clean_projects(self) -> list[str]:
        return _lines(self.cleaned_data["projects"])


class DesignateForm(forms.Form):
    username = forms.CharField(max_length=150, label="Organiser's username")
    valid_from = forms.DateField(required=False, label="Access from (blank: today)")
    valid_until = forms.DateField(required=False, label="Access until (blank: the event's end)")


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CheckInForm(forms.Form):
    name = forms.CharField(max_length=255, label="Attendee's name or username")
