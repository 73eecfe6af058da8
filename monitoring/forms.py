import datetime

from django import forms
from django.utils import timezone

from config.bounds import RANGE_TOO_LONG, BoundedDateField, range_too_long, refuse_backwards
from monitoring.models import TeacherFeedback


class DateRangeForm(forms.Form):
    since = BoundedDateField(required=False, label="From")
    until = BoundedDateField(required=False, label="To")

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        for name in ("since", "until"):
            if name in self.errors:  # the daily and pilot pages show the range's errors together
                raise forms.ValidationError(self.errors[name].as_data())
        refuse_backwards(since, until)
        # One end alone still makes a range: from `since` to today, or the days up to `until`.
        if since and range_too_long(since, until or timezone.localdate()):
            raise forms.ValidationError(RANGE_TOO_LONG)
        return data


class DailyForm(DateRangeForm):
    practice_only = forms.BooleanField(
        required=False, label="Practice sessions only (no teacher tests, no demo mode)"
    )


DEFAULT_DAYS = 14


def date_range(form: DateRangeForm, *, default_days: int = DEFAULT_DAYS):
    """The form's range, or the last `default_days` days ending today (TIME_ZONE)."""
    data = form.cleaned_data if form.is_valid() else {}
    until = data.get("until") or timezone.localdate()
    since = data.get("since") or until - datetime.timedelta(days=default_days - 1)
    return since, until, data


class TeacherFeedbackForm(forms.ModelForm):
    class Meta:
        model = TeacherFeedback
        fields = [
            "overall_impression",
            "client_quality",
            "what_worked",
            "needs_improvement",
            "feature_requests",
        ]
        widgets = {
            "overall_impression": forms.RadioSelect,
            "client_quality": forms.RadioSelect,
            "what_worked": forms.Textarea(attrs={"rows": 3}),
            "needs_improvement": forms.Textarea(attrs={"rows": 3}),
            "feature_requests": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A model field with choices gives its form field a "---------" blank choice; as a radio
        # that is an option a teacher could pick, and the one checked at first. A score is
        # required: offer 1 to 5 only, none checked.
        for name in ("overall_impression", "client_quality"):
            field = self.fields[name]
            field.choices = [(value, label) for value, label in field.choices if value != ""]


class PilotForm(DateRangeForm):
    include_tests = forms.BooleanField(required=False, label="Include teacher test conversations")
    include_demo = forms.BooleanField(required=False, label="Include demo-mode sessions")
