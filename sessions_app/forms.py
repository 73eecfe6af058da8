from django import forms

from sessions_app.models import SessionFeedback, SessionReflection

RATING_CHOICES = [(n, str(n)) for n in range(1, 6)]


class ReflectionForm(forms.ModelForm):
    class Meta:
        model = SessionReflection
        fields = ["went_well", "was_hard", "do_differently"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


class FeedbackForm(forms.ModelForm):
    ease_of_use = forms.TypedChoiceField(
        label="How easy was Rapport to use?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is very hard, 5 is very easy.",
        error_messages={"required": "Choose a number from 1 to 5."},
    )
    learning_value = forms.TypedChoiceField(
        label="How much did you learn from this session?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is nothing, 5 is a great deal.",
        error_messages={"required": "Choose a number from 1 to 5."},
    )

    class Meta:
        model = SessionFeedback
        fields = ["ease_of_use", "learning_value", "helped", "confusing", "suggestions"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ("helped", "confusing", "suggestions")
        }
