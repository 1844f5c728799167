"""docs/settings.md documents every environment variable MQIS reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "settings.md"

# env_str("NAME", ...), env_int(...), env_bool(...), env_list(...), and plain os.environ reads.
READS = re.compile(
    r"""(?:\benv_\w+\(\s*|os\.environ\.get\(\s*|os\.getenv\(\s*|os\.environ\[\s*)["']([A-Z][A-Z0-9_]*)["']"""
)
DOCUMENTED = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


def variables_read(top: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for source in sorted(top.rglob("*.py")):
        if "migrations" in source.parts:
            continue
        for name in READS.findall(source.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(source.relative_to(ROOT)))
    return found


def test_the_pattern_finds_settings_reads() -> None:
    # Guard against a regex that silently matches nothing.
    found = variables_read(ROOT / "mqis")
    assert {"DATABASE_URL", "MQIS_DATA_DIR", "MQIS_SECRET_KEY"} <= set(found)


def test_every_variable_read_in_mqis_is_documented() -> None:
    documented = set(DOCUMENTED.findall(DOC.read_text(encoding="utf-8")))
    read = variables_read(ROOT / "mqis")
    missing = {name: files for name, files in read.items() if name not in documented}
    assert not missing, f"add these to the table in docs/settings.md: {missing}"


def test_every_documented_variable_is_read_somewhere() -> None:
    documented = set(DOCUMENTED.findall(DOC.read_text(encoding="utf-8")))
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "mqis").rglob("*.py")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "scripts").glob("*.sh")]
    unused = {name for name in documented if not any(name in text for text in sources)}
    assert not unused, f"docs/settings.md documents variables nothing reads: {unused}"
