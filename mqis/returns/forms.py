"""The web return form, built from a template's fields.

The form only shapes inputs and shows errors. Every rule lives in the template and is
checked by `services.submit_return`, whose errors `show_errors` puts against the fields,
so the web form, the API and bulk uploads can never disagree about what is valid.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from mqis.returns.models import ReturnTemplate
from mqis.returns.validation import FieldError

NUMBER_INPUT = {"spellcheck": "false", "autocomplete": "off"}


def form_field(spec: dict[str, Any]) -> forms.Field:
    """A lenient Django field for one template field: never required, never range-checked."""
    kind = spec["type"]
    if kind == "integer":
        return forms.IntegerField(
            required=False, widget=forms.TextInput({"inputmode": "numeric", **NUMBER_INPUT})
        )
    if kind == "decimal":
        return forms.DecimalField(
            required=False, widget=forms.TextInput({"inputmode": "decimal", **NUMBER_INPUT})
        )
    if kind == "choice":
        return forms.ChoiceField(
            required=False, choices=[tuple(c) for c in spec["choices"]], widget=forms.RadioSelect
        )
    return forms.CharField(required=False, widget=forms.Textarea({"rows": 4}))


def shown(value: object) -> str:
    """A value as the person typed it, or as stored: 85.0 shows as 85."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _choice_id(field_id: str, index: int) -> str:
    # The first radio carries the field's id, so the error summary's link lands on it.
    return field_id if index == 0 else f"{field_id}-{index + 1}"


@dataclass
class Choice:
    value: str
    label: str
    id: str
    checked: bool


@dataclass
class FieldView:
    """What the template needs to draw one field in GOV.UK markup."""

    key: str
    id: str
    label: str
    hint: str
    unit: str
    type: str
    required: bool
    value: str
    errors: list[str]
    choices: list[Choice] = field(default_factory=list)

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}-hint"] if self.hint else []
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)

    @property
    def unit_words(self) -> str:
        """The unit as a screen reader should say it (the visible suffix is hidden from it)."""
        return "per cent" if self.unit == "%" else self.unit

    @property
    def width_class(self) -> str:
        return "govuk-input--width-4" if self.unit == "%" else "govuk-input--width-5"


@dataclass
class Section:
    name: str
    fields: list[FieldView]

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self.fields)


class ReturnForm(forms.Form):
    def __init__(self, template: ReturnTemplate, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.template = template
        self.specs = {spec["key"]: spec for spec in template.fields}
        for key, spec in self.specs.items():
            self.fields[key] = form_field(spec)
            self.fields[key].label = spec["label"]

    def raw_values(self) -> dict[str, str]:
        """The submitted text of every field, untouched, for the service to validate."""
        data: Mapping[str, Any] = self.data
        return {key: data.get(key, "") for key in self.specs}

    def show_errors(self, errors: Iterable[FieldError]) -> None:
        """Show the service's errors, in its order, without running Django's own checks."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        for error in errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)

    def error_links(self) -> list[tuple[str, str]]:
        """(href, message) pairs for the error summary, in the order of the page."""
        links = [("", str(message)) for message in self.non_field_errors()]
        for key in self.specs:
            for message in self.errors.get(key, []):
                links.append((f"#id_{key}", str(message)))
        return links

    def sections(self) -> list[Section]:
        sections: dict[str, Section] = {}
        for key, spec in self.specs.items():
            name = spec.get("section") or "Your return"
            sections.setdefault(name, Section(name, [])).fields.append(self._view(key, spec))
        return list(sections.values())

    def _view(self, key: str, spec: dict[str, Any]) -> FieldView:
        bound = self[key]
        value = shown(bound.value())
        field_id = f"id_{key}"
        choices = [
            Choice(str(k), str(label), _choice_id(field_id, i), value == str(k))
            for i, (k, label) in enumerate(spec.get("choices") or [])
        ]
        return FieldView(
            key=key,
            id=field_id,
            label=spec["label"],
            hint=spec.get("hint", ""),
            unit=spec.get("unit", ""),
            type=spec["type"],
            required=bool(spec.get("required")),
            value=value,
            errors=[str(m) for m in self.errors.get(key, [])],
            choices=choices,
        )
