from django import forms

from officeactions.policy.checkuser import Purpose, WithholdReason


class EntryForm(forms.Form):
    """Field checks live in checkuser.services; the form only carries what was typed."""

    purpose = forms.ChoiceField(
        choices=[("", "— choose —")] + [(p.value, p.label) for p in Purpose], required=False
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Why there is no other reasonable way to obtain the information",
    )
    wiki = forms.CharField(max_length=64, required=False)
    targets = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Accounts or IPs checked"
    )
    results = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ShareForm(forms.Form):
    stewards = forms.CharField(max_length=2000, label="Stewards (usernames, space-separated)")
    note = forms.CharField(required=False, max_length=2000)


class WithholdForm(forms.Form):
    reason = forms.ChoiceField(choices=[(r.value, r.label) for r in WithholdReason])
    note = forms.CharField(required=False, max_length=2000)
