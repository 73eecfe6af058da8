import datetime

from django import forms

from clients.models import ClientProfile
from sessions_app.models import PracticeSession


class SessionFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any"), *PracticeSession.Status.choices]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any"), *PracticeSession.Kind.choices])
    client = forms.ModelChoiceField(
        required=False,
        queryset=ClientProfile.objects.only("id", "name").order_by("name"),
        empty_label="Any",
    )
    user = forms.CharField(required=False, max_length=150, label="Student (username)")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start date comes after the end date.")
        return data


class DateRangeForm(forms.Form):
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start date comes after the end date.")
        if since and until and (until - since) > datetime.timedelta(days=366):
            raise forms.ValidationError("Choose at most a year.")
        return data
