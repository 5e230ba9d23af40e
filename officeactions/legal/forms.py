from django import forms


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class NoticeForm(forms.Form):
    """Carries what was typed; the statutory checks are in officeactions.policy.dmca."""

    sender_name = forms.CharField(max_length=200, label="Your name")
    sender_organisation = forms.CharField(max_length=200, required=False, label="Organisation")
    principal_name = forms.CharField(
        max_length=200, required=False, label="Owner of the copyright (if not you)"
    )
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    country_code = forms.CharField(max_length=2, required=False, label="Country (two letters)")
    phone = forms.CharField(max_length=64, required=False)
    email = forms.CharField(max_length=254, required=False)
    works = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="The copyrighted work(s), one per line",
    )
    copyrighted_urls = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Where the original work can be seen (URLs, one per line)",
    )
    infringing_urls = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="The infringing material on our wikis (page or revision URLs, one per line)",
    )
    good_faith = forms.BooleanField(
        required=False,
        label="I have a good-faith belief that the use of the material is not authorised by "
        "the copyright owner, its agent, or the law.",
    )
    accuracy_under_perjury = forms.BooleanField(
        required=False,
        label="The information in this notice is accurate, and, under penalty of perjury, I am "
        "authorised to act on behalf of the owner of the right.",
    )
    signature = forms.CharField(max_length=200, required=False, label="Signature (type your name)")
    attachment = forms.FileField(
        required=False, label="A document (signed notice, proof of ownership): PDF, PNG, JPEG, text"
    )

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("attachment", None)
        for name in ("works", "copyrighted_urls", "infringing_urls"):
            data[name] = lines(data[name])
        return data


class CounterNoticeForm(forms.Form):
    reference = forms.CharField(max_length=16, label="Reference of the takedown (OA-…)")
    name = forms.CharField(max_length=200)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    phone = forms.CharField(max_length=64, required=False)
    email = forms.CharField(max_length=254, required=False)
    removed_material = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="The material removed"
    )
    former_location = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Where it appeared before it was removed (URLs, one per line)",
    )
    mistake_under_perjury = forms.BooleanField(
        required=False,
        label="Under penalty of perjury, I have a good-faith belief that the material was removed "
        "as a result of mistake or misidentification.",
    )
    consent_to_jurisdiction = forms.BooleanField(
        required=False,
        label="I consent to the jurisdiction of the Federal District Court for my district (or, "
        "outside the United States, any district where the service provider may be found), and "
        "will accept service of process from the complainant.",
    )
    signature = forms.CharField(max_length=200, required=False, label="Signature (type your name)")

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["former_location"] = lines(data["former_location"])
        return data
