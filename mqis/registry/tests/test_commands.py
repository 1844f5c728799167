"""`mqis import-cqc FILE [--dry-run]` and `mqis load_councils`."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mqis.cli import main
from mqis.registry.models import ImportRun, Location

from .conftest import ASC_SAMPLE, DIRECTORY_SAMPLE

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_cqc", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_imports_a_file_and_prints_a_report(councils: None) -> None:
    text = _run(str(DIRECTORY_SAMPLE))
    assert "cqc_directory_sample.csv: CQC care directory (18 columns)" in text
    assert "329 new, 0 changed and 0 gone." in text
    assert "rows read:           500" in text
    assert "skipped rows:        171" in text
    assert "170 × Provider rows" in text
    assert "Local authorities MQIS could not match to a council" in text and "(blank) (1)" in text
    assert Location.objects.count() == 329


def test_it_says_when_nothing_changed(councils: None) -> None:
    _run(str(ASC_SAMPLE))
    text = _run(str(ASC_SAMPLE))
    assert "No changes: every location in the file matches the registry." in text
    assert "unchanged:           400" in text


def test_it_lists_the_first_changes(councils: None, tmp_path: Path) -> None:
    _run(str(ASC_SAMPLE))
    text = ASC_SAMPLE.read_text(encoding="utf-8-sig")
    changed = tmp_path / "changed.csv"
    changed.write_text(
        text.replace(
            '"1-21268168552","","","10094781981","07999902195"',
            '"1-21268168552","","","10094781981","01234567890"',
        )
    )
    out = _run(str(changed))
    assert "0 new, 1 changed and 0 gone." in out
    assert "1-21268168552 AbilityAvenue Care:" in out
    assert "phone: 07999902195 → 01234567890" in out


def test_it_saves_nothing_in_a_dry_run(councils: None) -> None:
    text = _run(str(ASC_SAMPLE), "--dry-run")
    assert text.startswith("DRY RUN")
    assert "Dry run: nothing was saved. 400 new, 0 changed and 0 gone." in text
    assert Location.objects.count() == 0 and ImportRun.objects.count() == 0


def test_it_fails_with_a_clear_message(councils: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match="bad.csv was not imported. The file is empty."):
        _run(str(bad))
    with pytest.raises(CommandError, match="There is no file at"):
        _run(str(tmp_path / "missing.csv"))


def test_it_exits_with_status_1_from_the_mqis_command(
    councils: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(SystemExit) as exited:
        main(["import-cqc", str(bad)])
    assert exited.value.code == 1
    assert "garbage.csv was not imported. This file is not a text (CSV) file" in capsys.readouterr().err
