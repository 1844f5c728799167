"""The validation engine: every error collected at once, in words a care home manager understands."""

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from mqis.lib.testing import care_home_values
from mqis.returns.validation import validate_values

CARE_HOME = json.loads((Path(__file__).parents[1] / "data" / "care-home.json").read_text())
HOME_CARE = json.loads((Path(__file__).parents[1] / "data" / "home-care.json").read_text())


def good_care_home(**changes: object) -> dict[str, object]:
    return care_home_values(**changes)


def check(values: Mapping[str, object], template: dict = CARE_HOME):
    return validate_values(template["fields"], template["rules"], values)


def messages(values: dict[str, object]) -> dict[str, str]:
    return {e.field: e.message for e in check(values)[1]}


def test_it_accepts_a_complete_return_and_types_the_values():
    cleaned, errors = check(good_care_home(residents_vaccinated_pct="87.5"))
    assert errors == []
    assert cleaned["beds_total"] == 48
    assert cleaned["residents_vaccinated_pct"] == 87.5
    assert cleaned["admissions_status"] == "open"


def test_it_says_occupied_beds_cannot_exceed_total_beds():
    assert messages(good_care_home(beds_occupied="52", beds_vacant="")) == {
        "beds_vacant": "Enter vacant beds",
        "beds_occupied": "Occupied beds (52) cannot be more than total beds (48)",
    }


def test_it_checks_vacancies_add_up_when_all_are_given():
    found = messages(good_care_home(beds_vacant="5"))
    assert found["beds_vacant"] == (
        "Vacant beds (5) must equal total beds minus occupied beds minus "
        "beds closed or out of use (6)"
    )


def test_it_skips_the_vacancy_sum_when_closed_beds_are_not_given():
    assert check(good_care_home(beds_closed="", beds_vacant="8"))[1] == []


def test_it_collects_every_error_at_once():
    values = good_care_home(
        beds_total="forty", care_workers_absent="31", ppe_days_masks="-1",
        ppe_days_gloves="=HYPERLINK(\"http://x\",\"y\")", admissions_status="closed",
        outbreak_status="maybe",
    )
    found = messages(values)
    assert found == {
        "beds_total": "Total beds must be a whole number, like 12 (you entered 'forty')",
        "care_workers_absent": "Care workers absent today (31) cannot be more than care workers employed (30)",
        "ppe_days_masks": "Days of masks in stock must be 0 or more (you entered -1)",
        "ppe_days_gloves": (
            "Days of gloves in stock contains a spreadsheet formula "
            "(=HYPERLINK(\"http://x\",\"y\")); enter the value only"
        ),
        "admissions_closed_reason": "Tell us why admissions are closed",
        "outbreak_status": (
            "Outbreak status must be one of 'none', 'suspected', 'confirmed' (you entered 'maybe')"
        ),
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,234", 1234), (" 12 ", 12), ("12.0", 12), (12.0, 12), (7, 7)],
)
def test_it_reads_numbers_as_spreadsheets_write_them(raw, expected):
    cleaned, errors = check(good_care_home(agency_hours=raw))
    assert errors == []
    assert cleaned["agency_hours"] == expected


def test_it_accepts_a_choice_by_its_label_in_any_case():
    cleaned, errors = check(good_care_home(outbreak_status="CONFIRMED OUTBREAK"))
    assert errors == []
    assert cleaned["outbreak_status"] == "confirmed"


def test_it_names_missing_required_fields_in_plain_english():
    found = messages({})
    assert found["beds_total"] == "Enter total beds"
    assert found["ppe_days_masks"] == "Enter days of masks in stock"


def test_it_refuses_text_that_is_a_formula():
    assert messages(good_care_home(support_needed="=cmd|' /C calc'!A0")) == {
        "support_needed": "What support do you need? looks like a spreadsheet formula; enter the text only"
    }


def test_it_validates_the_home_care_return():
    values = {"packages_delivered": "120", "hours_delivered": "1500.5", "unmet_hours": "40",
              "staff_headcount": "50", "staff_absent": "60",
              **{f"ppe_days_{k}": "10" for k in ("masks", "gloves", "aprons", "eye", "hand_hygiene")}}
    cleaned, errors = check(values, HOME_CARE)
    assert [e.message for e in errors] == [
        "Care staff absent today (60) cannot be more than care staff employed (50)"
    ]


def test_it_reports_one_problem_once_rather_than_every_rule_it_breaks():
    found = messages(good_care_home(beds_occupied="52", beds_closed="0", beds_vacant="5"))
    assert found == {"beds_occupied": "Occupied beds (52) cannot be more than total beds (48)"}


def test_it_asks_people_to_select_an_answer_for_a_missing_choice():
    found = messages(good_care_home(admissions_status="", outbreak_status=""))
    assert found["admissions_status"] == "Select whether you are accepting admissions"
    assert found["outbreak_status"] == "Select your outbreak status"
