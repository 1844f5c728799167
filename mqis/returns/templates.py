"""Return templates are data: shipped as JSON, versioned in the database, never edited in place."""

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from mqis.registry.models import Location
from mqis.returns.models import ReturnTemplate

DEFAULTS_DIR = Path(__file__).parent / "data"
DEFINITION_KEYS = ("name", "description", "frequency", "schedule", "applies_to", "fields", "rules")


class TemplateNotFound(LookupError):
    pass


def definition_of(template: ReturnTemplate) -> dict[str, Any]:
    return {key: getattr(template, key) for key in DEFINITION_KEYS}


@transaction.atomic
def publish_version(slug: str, definition: dict[str, Any]) -> ReturnTemplate:
    """Store a definition as the template's newest version, unless it matches the current one.

    Older versions and the returns made with them are left exactly as they were.
    """
    current = ReturnTemplate.objects.filter(slug=slug, is_current=True).first()
    wanted = {key: definition.get(key, "" if key == "description" else None) for key in DEFINITION_KEYS}
    if current is not None and definition_of(current) == wanted:
        return current
    last = ReturnTemplate.objects.filter(slug=slug).order_by("-version").first()
    ReturnTemplate.objects.filter(slug=slug).update(is_current=False)
    return ReturnTemplate.objects.create(
        slug=slug, version=(last.version + 1) if last else 1, is_current=True, **wanted
    )


def install_default_templates(**_: Any) -> None:
    """Install the shipped templates once; later edits in the database are kept."""
    for path in sorted(DEFAULTS_DIR.glob("*.json")):
        definition = json.loads(path.read_text())
        slug = definition.pop("slug")
        if not ReturnTemplate.objects.filter(slug=slug).exists():
            publish_version(slug, definition)


def current_template(slug: str) -> ReturnTemplate:
    template = ReturnTemplate.objects.filter(slug=slug, is_current=True).first()
    if template is None:
        raise TemplateNotFound(f"There is no return template called '{slug}'.")
    return template


def applies_to(template: ReturnTemplate, location: Location) -> bool:
    rule = template.applies_to or {}
    if "care_home" in rule and bool(rule["care_home"]) != location.care_home:
        return False
    wanted = rule.get("service_types")
    if wanted and not set(wanted) & set(location.service_types or []):
        return False
    return True


def templates_for(location: Location) -> list[ReturnTemplate]:
    return [t for t in ReturnTemplate.objects.filter(is_current=True) if applies_to(t, location)]
