"""Bulk upload: many returns in one CSV or Excel file, checked row by row, saved together.

Every row goes through `services.check_submission`, and is saved by `services.prepare` and
`services.write` (which `services.store` runs one after the other), the same path as the web
form and the API. Every error in the file is reported at once; nothing is saved if any row
is wrong, unless the caller asks for a partial import. How the saving overlaps the checking
on PostgreSQL is in `bulk_save`.
"""

import datetime as dt
import difflib
import gc
import re
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mqis.lib.bulk import batched
from mqis.returns.bulk_rows import (
    LOCATION,
    PERIOD,
    REFERENCE_COLUMNS,
    BulkError,
    BulkResult,
    RowChecker,
)
from mqis.returns.bulk_save import Counts, Writer, saves_while_checking, store_checked
from mqis.returns.models import Channel, Return, ReturnTemplate
from mqis.returns.services import Submission
from mqis.returns.signals import one_announcement
from mqis.returns.spreadsheet import FileProblem, open_sheet
from mqis.returns.templates import TemplateNotFound, current_template

__all__ = ["BulkError", "BulkResult", "import_bulk"]

CONFLICT = ("Someone else saved returns for the same locations and periods while this file was "
            "being saved. Upload the file again: rows that match what is stored will not change.")


def _label(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def match_header(
    header: list[str], template: ReturnTemplate
) -> tuple[dict[str, int], list[BulkError]]:
    """Map each known column to its position; report missing, unknown and repeated columns."""
    keys = [LOCATION, PERIOD, *(spec["key"] for spec in template.fields)]
    known = {key: key for key in keys} | {key: "" for key in REFERENCE_COLUMNS}
    columns: dict[str, int] = {}
    errors: list[BulkError] = []
    for index, raw in enumerate(header):
        name = _label(raw)
        if not name:
            continue
        if name not in known:
            close = difflib.get_close_matches(name, keys, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            message = f"Column '{raw}' is not a field of the {template.name.lower()}.{hint}"
            errors.append(BulkError(1, raw, raw, "unknown_column", message))
        elif name in columns:
            errors.append(BulkError(1, raw, raw, "repeated_column",
                                    f"Column '{name}' appears more than once"))
        else:
            columns[name] = index
    specs = template.field_map()
    for key in keys:
        required = key in (LOCATION, PERIOD) or specs[key].get("required")
        if required and key not in columns:
            label = f" ({specs[key]['label'].lower()})" if key in specs else ""
            errors.append(BulkError(1, key, "", "missing_column",
                                    f"The file has no column '{key}'{label}, which is required"))
    return columns, errors


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def import_bulk(
    source: bytes | IO[bytes],
    *,
    user: Any,
    template_slug: str = "care-home",
    dry_run: bool = False,
    partial: bool = False,
    channel: str = Channel.UPLOAD,
    now: dt.datetime | None = None,
    max_bytes: int | None = None,
) -> BulkResult:
    """Check every row of a file, then save all of it, the valid rows (partial) or nothing."""
    now = now or timezone.now()
    result = BulkResult(template=template_slug, dry_run=dry_run, partial=partial)
    try:
        template = current_template(template_slug)
    except TemplateNotFound as exc:
        return result.fail(BulkError(None, "template", template_slug, "unknown_template", str(exc)))
    try:
        sheet = open_sheet(source, max_bytes=max_bytes)
    except FileProblem as problem:
        return result.fail(BulkError(problem.row, "", "", problem.code, problem.message))
    with closing(sheet.rows) as rows:  # type: ignore[type-var]
        columns, header_errors = match_header(sheet.header, template)
        if header_errors:
            for error in _other_template(sheet.header, template) + header_errors:
                result.add(error)
            result.message = "Nothing was saved. " + _describe_errors(result)
            return result
        checker = RowChecker(user, template, sheet.header, columns, now, result)
        writer = None
        if not dry_run and not partial and saves_while_checking():
            writer = Writer(checker.periods, user=user, channel=channel, now=now)
            checker.on_chunk = lambda subs: None if result.error_count else writer.add(subs)
        try:
            with _cyclic_gc_paused():
                checker.check(rows)
                submissions = checker.submissions
                if writer is not None:
                    writer.finish(commit=bool(submissions) and not result.error_count)
        except FileProblem as problem:
            return result.fail(BulkError(problem.row, "", "", problem.code, problem.message))
        except IntegrityError:
            return result.fail(BulkError(None, "", "", "conflict", CONFLICT))
        finally:
            if writer is not None:
                writer.finish(commit=False)  # does nothing if finished above
    if result.rows_read == 0:
        return result.fail(BulkError(None, "", "", "no_rows",
                                     "The file has a header row but no returns in it"))
    # A writer that was told to roll back may have saved (and lost) some chunks: count none.
    counts = writer.counts if writer is not None and not result.error_count else Counts()
    if dry_run:
        counts.created, counts.updated, counts.unchanged = _preview(submissions)
    elif writer is None and submissions and (partial or not result.error_count):
        try:
            with transaction.atomic(), _cyclic_gc_paused(), one_announcement():
                store_checked(submissions, checker.periods, user=user, channel=channel, now=now,
                              counts=counts)
        except IntegrityError:
            return result.fail(BulkError(None, "", "", "conflict", CONFLICT))
    result.created, result.updated, result.unchanged = counts.created, counts.updated, counts.unchanged
    result.saved = not dry_run and bool(result.created or result.updated)
    result.message = _message(result, len(submissions))
    return result


def _other_template(header: list[str], template: ReturnTemplate) -> list[BulkError]:
    """If the columns are another return's, say so: the wrong return was chosen."""
    for other in ReturnTemplate.objects.filter(is_current=True).exclude(slug=template.slug):
        if not match_header(header, other)[1]:
            message = (f"The columns are those of the {other.name.lower()}, not the "
                       f"{template.name.lower()}: choose that return and upload the file again")
            return [BulkError(1, "", "", "wrong_template", message)]
    return []


def _preview(submissions: list[Submission]) -> tuple[int, int, int]:
    """Count what saving would create, update or leave alone, without writing."""
    by_period: dict[int | None, list[Submission]] = {}
    for sub in submissions:
        by_period.setdefault(sub.period.pk, []).append(sub)
    created = updated = unchanged = 0
    for period_id, subs in by_period.items():
        if period_id is None:  # the period is not in the database yet, so neither are its returns
            created += len(subs)
            continue
        for part in batched(subs, 2000):
            stored = dict(Return.objects.filter(
                period_id=period_id, location_id__in=[sub.location.pk for sub in part]
            ).values_list("location_id", "values"))
            for sub in part:
                old = stored.get(sub.location.pk)
                if old is None:
                    created += 1
                elif old == sub.values:
                    unchanged += 1
                else:
                    updated += 1
    return created, updated, unchanged


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a big file makes millions of objects and no cycles,
    and the collector's full passes over them cost a fifth of the import time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _describe_errors(result: BulkResult) -> str:
    errors = _plural(result.error_count, "error")
    fix = "Correct it" if result.error_count == 1 else "Correct them"
    if not result.rows_with_errors:  # the file itself, or its header row
        return f"The file has {errors}. {fix} and upload the file again."
    if result.rows_read == 1:
        where = "in its only row"
    else:
        where = f"in {result.rows_with_errors:,} of its {result.rows_read:,} rows"
    return f"The file has {errors} {where}. {fix} and upload the file again."


def _counts(result: BulkResult) -> str:
    parts = [_plural(result.created, "new return")] if result.created else []
    if result.updated:
        parts.append(f"{result.updated:,} updated")
    if result.unchanged:
        parts.append(f"{result.unchanged:,} unchanged")
    return ", ".join(parts)


def _message(result: BulkResult, valid: int) -> str:
    errors, changes = result.error_count, result.created + result.updated
    if result.dry_run:
        check = "This was a check: nothing was saved. "
        if errors and not result.partial:
            others = "" if not valid else (
                " The other row is correct." if valid == 1 else f" The other {valid:,} rows are correct.")
            return check + _describe_errors(result) + others
        left_out = f" {_plural(result.rows_with_errors, 'row')} with errors would be left out." \
            if errors else ""
        if not changes:
            return (check + "Every correct row matches what is already stored: uploading the "
                    f"file would change nothing.{left_out}")
        return check + f"Uploading the file would save {_counts(result)}.{left_out}"
    if errors and not result.partial:
        return "Nothing was saved. " + _describe_errors(result)
    if not result.saved:
        if errors:
            have = "has" if result.rows_with_errors == 1 else "have"
            return (f"Nothing was saved: {_plural(result.rows_with_errors, 'row')} {have} errors "
                    "and every other row matches what is already stored.")
        return f"No changes: all {_plural(result.rows_read, 'row')} match what is already stored."
    saved = f"Saved {_plural(valid, 'row')}: {_counts(result)}."
    if errors:
        were = "was" if result.rows_with_errors == 1 else "were"
        saved += f" {_plural(result.rows_with_errors, 'row')} with errors {were} not saved."
    return saved
