"""docs/risk.md describes every indicator with its shipped weight, and the shipped
configuration weighs every indicator: a new indicator is not finished until both do."""

import re
from pathlib import Path

from mqis.risk.config import shipped
from mqis.risk.indicators import REGISTRY

DOC = Path(__file__).resolve().parents[3] / "docs" / "risk.md"
ROW = re.compile(r"^\| `([a-z_]+)` \|.*\| ([0-9.]+) \|$", re.MULTILINE)


def test_every_indicator_is_in_the_docs_table_with_its_shipped_weight():
    documented = {key: float(weight) for key, weight in ROW.findall(DOC.read_text(encoding="utf-8"))}
    assert documented == {key: float(shipped()["weights"][key]) for key in REGISTRY}


def test_every_indicator_is_documented_in_full_in_the_code():
    for unit in REGISTRY.values():
        assert unit.name and unit.unit and unit.definition and unit.rationale and unit.weaknesses, unit.key
