from django import forms


class AlertNoteForm(forms.Form):
    action = forms.ChoiceField(choices=[("acknowledge", "Acknowledge"), ("resolve", "Resolve")])
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The note must be 2,000 characters or fewer (it has %(show_value)d)."},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == "resolve" and not str(data.get("note", "")).strip():
            self.add_error("note", "Enter a note saying what was done to resolve the alert.")
        return data
