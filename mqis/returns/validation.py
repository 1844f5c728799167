"""Check a return's values against its template; collect every problem, then report them together."""

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

Value = int | float | str | None

THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str
    row: int | None = None
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _show(raw: object) -> str:
    text = str(raw).strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _number(spec: dict[str, Any], raw: object) -> tuple[Value, str | None, str | None]:
    """Parse a number; return (value, error code, message)."""
    label = spec["label"]
    whole = spec["type"] == "integer"
    if isinstance(raw, bool):
        return None, "invalid", f"{label} must be a number"
    if isinstance(raw, (int, float)):
        number = Decimal(str(raw))
    else:
        text = str(raw).strip()
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            kind = "a whole number, like 12" if whole else "a number, like 12.5"
            return None, "invalid", f"{label} must be {kind} (you entered '{_show(raw)}')"
    if not number.is_finite():
        return None, "invalid", f"{label} must be a number (you entered '{_show(raw)}')"
    if whole and number != number.to_integral_value():
        return None, "not_whole", f"{label} must be a whole number (you entered '{_show(raw)}')"
    minimum, maximum = spec.get("minimum"), spec.get("maximum")
    if minimum is not None and number < minimum:
        text = "0 or more" if minimum == 0 else f"{minimum} or more"
        return None, "too_small", f"{label} must be {text} (you entered {_show(raw)})"
    if maximum is not None and number > maximum:
        return None, "too_large", f"{label} must be {maximum} or less (you entered {_show(raw)})"
    return (int(number) if whole else float(number)), None, None


def _choice(spec: dict[str, Any], raw: object) -> tuple[Value, str | None, str | None]:
    text = str(raw).strip().lower()
    for key, label in spec["choices"]:
        if text in {key.lower(), label.lower()}:
            return key, None, None
    options = ", ".join(f"'{key}'" for key, _ in spec["choices"])
    return None, "invalid_choice", f"{spec['label']} must be one of {options} (you entered '{_show(raw)}')"


def _text(spec: dict[str, Any], raw: object) -> tuple[Value, str | None, str | None]:
    text = str(raw).strip()
    if text.startswith("="):
        return None, "formula", f"{spec['label']} looks like a spreadsheet formula; enter the text only"
    limit = spec.get("max_length", 1000)
    if len(text) > limit:
        return None, "too_long", f"{spec['label']} must be {limit} characters or fewer"
    return text, None, None


PARSERS = {"integer": _number, "decimal": _number, "choice": _choice, "text": _text}


def clean_field(spec: dict[str, Any], raw: object) -> tuple[Value, FieldError | None]:
    if _blank(raw):
        if spec.get("required"):
            verb = "Select an answer for" if spec["type"] == "choice" else "Enter"
            message = spec.get("required_message") or f"{verb} {spec['label'].lower()}"
            return None, FieldError(spec["key"], "required", message)
        return None, None
    if isinstance(raw, str) and raw.strip().startswith("=") and spec["type"] != "text":
        formula = f"{spec['label']} contains a spreadsheet formula ({_show(raw)}); enter the value only"
        return None, FieldError(spec["key"], "formula", formula, value=_show(raw))
    value, code, problem = PARSERS[spec["type"]](spec, raw)
    if code:
        return None, FieldError(spec["key"], code, problem or "", value=_show(raw))
    return value, None


def _side_label(labels: Mapping[str, str], terms: list[str], first: bool) -> str:
    words = []
    for index, term in enumerate(terms):
        label = labels[term.lstrip("-")]
        if not (first and index == 0):
            label = label[0].lower() + label[1:]
        joiner = "" if index == 0 else (" minus " if term.startswith("-") else " plus ")
        words.append(joiner + label)
    return "".join(words)


Terms = tuple[tuple[str, int], ...]


def _terms(terms: list[str]) -> Terms:
    return tuple((t.lstrip("-"), -1 if t.startswith("-") else 1) for t in terms)


def _side_sum(values: Mapping[str, Value], terms: Terms) -> tuple[float | None, bool]:
    """Sum a side; return (total, all_given). None when no term is given."""
    total, given, all_given = 0.0, False, True
    for key, sign in terms:
        value = values.get(key)
        if isinstance(value, (int, float)):
            total += sign * value
            given = True
        else:
            all_given = False
    return (total if given else None), all_given


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


OPS = {"<=": (lambda a, b: a <= b, "cannot be more than"), "==": (lambda a, b: a == b, "must equal")}


def check_rule(rule: dict[str, Any], values: Mapping[str, Value], labels: Mapping[str, str]) -> FieldError | None:
    if "required_if" in rule:
        cond = rule["required_if"]
        if values.get(cond["field"]) == cond["equals"] and _blank(values.get(rule["field"])):
            return FieldError(rule["field"], "required", rule["message"])
        return None
    left, left_all = _side_sum(values, _terms(rule["left"]))
    right, right_all = _side_sum(values, _terms(rule["right"]))
    if left is None or right is None or not right_all:
        return None
    if rule.get("when") == "all_given" and not left_all:
        return None
    test, phrase = OPS[rule["op"]]
    if test(left, right):
        return None
    left_label = _side_label(labels, rule["left"], first=True)
    right_label = _side_label(labels, rule["right"], first=False)
    if "message" in rule:
        message = rule["message"].format(left=_fmt(left), right=_fmt(right))
    else:
        message = f"{left_label} ({_fmt(left)}) {phrase} {right_label} ({_fmt(right)})"
    return FieldError(rule["left"][0].lstrip("-"), "rule", message)


# Per field key, each distinct input seen and what it cleaned to. Strings (every value of
# a CSV file) are their own key; other values are keyed with their type, as True == 1.
FieldCache = dict[str, dict[object, tuple[Value, "FieldError | None"]]]


def validate_values(
    fields: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    raw: Mapping[str, object],
    cache: FieldCache | None = None,
) -> tuple[dict[str, Value], list[FieldError]]:
    """Clean every field and check every rule; return the cleaned values and all errors.

    A caller validating many rows against one template (a bulk file) may pass a `cache`
    dict: a file repeats the same few values per column, so each is cleaned once.
    """
    cleaned: dict[str, Value] = {}
    errors: list[FieldError] = []
    for spec in fields:
        field_key = spec["key"]
        given = raw.get(field_key)
        if cache is None:
            value, error = clean_field(spec, given)
        else:
            seen = cache.get(field_key)
            if seen is None:
                seen = cache[field_key] = {}
            key = given if given.__class__ is str else (type(given), given)
            try:
                value, error = seen[key]
            except KeyError:
                value, error = seen[key] = clean_field(spec, given)
            except TypeError:  # an unhashable value
                value, error = clean_field(spec, given)
        if error:
            errors.append(error)
        elif value is not None:
            cleaned[field_key] = value
    failed = {e.field for e in errors}
    for rule, keys, left_terms, right_terms, simple in _compiled(rules):
        # A rule over a field already reported would only repeat the same problem.
        if failed and keys & failed:
            continue
        # The common cases, checked without building anything: a value or sum within its limit.
        if simple is not None:
            a, b = cleaned.get(simple[0]), cleaned.get(simple[1])
            if a is None or b is None or a <= b:  # type: ignore[operator]  # both numbers: rules name numeric fields
                continue
        elif left_terms is not None and right_terms is not None:
            left, left_all = _side_sum(cleaned, left_terms)
            right, right_all = _side_sum(cleaned, right_terms)
            if left is None or right is None or not right_all or OPS[rule["op"]][0](left, right) \
                    or (not left_all and rule.get("when") == "all_given"):
                continue
        elif "required_if" in rule:
            cond = rule["required_if"]
            if cleaned.get(cond["field"]) != cond["equals"] or not _blank(cleaned.get(rule["field"])):
                continue
        labels = {spec["key"]: spec["label"] for spec in fields}
        error = check_rule(rule, cleaned, labels)
        if error:
            errors.append(error)
            failed.add(error.field)
    return cleaned, errors


Compiled = list[tuple[dict[str, Any], set[str], Terms | None, Terms | None, tuple[str, str] | None]]
_COMPILED: dict[int, tuple[list[dict[str, Any]], Compiled]] = {}


def _compiled(rules: list[dict[str, Any]]) -> Compiled:
    """Each rule with its field keys and parsed terms, worked out once per rules list."""
    hit = _COMPILED.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    compiled: Compiled = []
    for rule in rules:
        left = _terms(rule["left"]) if "left" in rule else None
        right = _terms(rule["right"]) if "right" in rule else None
        keys = {key for key, _ in (left or ()) + (right or ())}
        keys.add(rule.get("field", ""))
        if "required_if" in rule:
            keys.add(rule["required_if"]["field"])
        simple = None
        if rule.get("op") == "<=" and left and right and len(left) == len(right) == 1 \
                and left[0][1] == right[0][1] == 1:
            simple = (left[0][0], right[0][0])
        compiled.append((rule, keys, left, right, simple))
    if len(_COMPILED) > 100:
        _COMPILED.clear()
    _COMPILED[id(rules)] = (rules, compiled)
    return compiled
