"""Importing CQC's files into the registry: new, changed and gone locations.

`import_cqc_file` reads a file (see `cqc_formats` for the shapes understood), matches each
location to the registry by CQC location ID, and creates, updates or (for locations no
longer in a full extract) marks as deregistered. A re-import of the same file changes
nothing and says so. Everything happens in one transaction: an error or a dry run leaves
the database as it was.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone

from mqis.registry.cqc_formats import (
    KIND_LABELS,
    PROVIDER_FIELDS,
    CqcImportError,
    ParsedFile,
    parse_cqc_bytes,
)
from mqis.registry.models import Council, ImportRun, Location, Provider
from mqis.registry.reference import CouncilResolver, load_reference_councils

__all__ = ["CqcImportError", "ImportReport", "import_cqc_file"]

Progress = Callable[[int, int], None]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
CHUNK = 500
REPORT_LIST_LIMIT = 200
# A "full" file that lacks more than this share of the locations the previous file of the
# same kind listed is probably a partial file: nothing is marked as gone.
GONE_SAFETY_SHARE = 0.2
GONE_SAFETY_MIN = 10
NO_CHANGES = "No changes: every location in the file matches the registry."
BLANK_AUTHORITY = "(blank)"
_ATTRS = {"council": "council_id", "provider": "provider_id"}


@dataclass
class ImportReport:
    file_name: str
    file_kind: str = ""
    file_format: str = ""
    dry_run: bool = False
    rows_read: int = 0
    locations_in_file: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    providers_created: int = 0
    providers_changed: int = 0
    care_homes: int = 0
    dormant: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    unresolved_authorities: dict[str, int] = field(default_factory=dict)
    changed_fields: dict[str, int] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    new_locations: list[dict[str, str]] = field(default_factory=list)
    gone_locations: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    import_run_id: int | None = None

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def no_changes(self) -> bool:
        return not (self.created or self.changed or self.gone or self.providers_created or self.providers_changed)

    @property
    def message(self) -> str:
        if self.no_changes:
            text = NO_CHANGES
        else:
            text = f"{self.created:,} new, {self.changed:,} changed and {self.gone:,} gone."
        if self.dry_run:
            text = "Dry run: nothing was saved. " + text
        return text

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["message"] = self.message
        data["skipped_total"] = self.skipped_total
        return data

    def lines(self, max_changes: int = 10) -> list[str]:
        """The report as plain text, for the command line."""
        out = [
            f"{'DRY RUN – ' if self.dry_run else ''}{self.file_name}: {self.file_format}",
            self.message,
            f"  rows read:           {self.rows_read:,}",
            f"  locations in file:   {self.locations_in_file:,} "
            f"({self.care_homes:,} care homes, {self.dormant:,} dormant)",
            f"  new:                 {self.created:,}",
            f"  changed:             {self.changed:,}",
            f"  unchanged:           {self.unchanged:,}",
            f"  gone (deregistered): {self.gone:,}",
            f"  providers:           {self.providers_created:,} new, {self.providers_changed:,} changed",
            f"  skipped rows:        {self.skipped_total:,}",
        ]
        out += [f"    {n:,} × {reason}" for reason, n in self.skipped.items()]
        if self.unresolved_authorities:
            out.append("Local authorities MQIS could not match to a council (locations kept, no council):")
            out += [f"    {name} ({n:,})" for name, n in self.unresolved_authorities.items()]
        if self.changed_fields:
            out.append("Fields changed: " + ", ".join(f"{f} ({n:,})" for f, n in self.changed_fields.items()))
        for change in self.changes[:max_changes]:
            out.append(f"  {change['cqc_location_id']} {change['name']}:")
            out += [f"      {c['field']}: {c['old']} → {c['new']}" for c in change["fields"]]
        if len(self.changes) > max_changes or self.changed > len(self.changes):
            out.append(f"  … and {self.changed - min(max_changes, len(self.changes)):,} more changed")
        for loc in self.gone_locations[:max_changes]:
            out.append(f"  gone: {loc['cqc_location_id']} {loc['name']}")
        out += [f"Warning: {w}" for w in self.warnings]
        return out


def display(value: Any) -> str:
    """A value as a person reads it in a report."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "(none)"
    return str(value)


def _read_source(source: str | os.PathLike[str] | IO[Any], max_bytes: int) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise CqcImportError(f"There is no file at {path}.")
        if path.stat().st_size > max_bytes:
            raise _too_big(max_bytes)
        return path.read_bytes()
    if hasattr(source, "seek"):
        try:
            source.seek(0)
        except (OSError, ValueError):
            pass
    data = source.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"


def _too_big(max_bytes: int) -> CqcImportError:
    return CqcImportError(
        f"The file is larger than the {_size(max_bytes)} MQIS accepts. "
        "CQC's full files are well under this: check this is the right file."
    )


def _chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _providers_by_id(provider_ids: Iterable[str]) -> dict[str, Provider]:
    out: dict[str, Provider] = {}
    for chunk in _chunks(list(provider_ids)):
        out.update((p.cqc_provider_id, p) for p in Provider.objects.filter(cqc_provider_id__in=chunk))
    return out


def import_cqc_file(
    path_or_fileobj: str | os.PathLike[str] | IO[Any],
    *,
    file_name: str,
    dry_run: bool = False,
    user: Any = None,
    progress: Progress | None = None,
    mark_missing_as_gone: bool = True,
    max_bytes: int | None = None,
) -> ImportReport:
    """Import one CQC file. Raises CqcImportError, leaving the database unchanged."""
    data = _read_source(path_or_fileobj, max_bytes or DEFAULT_MAX_BYTES)
    parsed = parse_cqc_bytes(data)
    del data
    if not parsed.records:
        raise CqcImportError(
            f"The file has {parsed.rows_read:,} rows but none of them is a CQC location "
            f"({', '.join(f'{n} {r.lower()}' for r, n in parsed.skipped.items())}). "
            "Nothing was imported."
        )
    report = ImportReport(
        file_name=file_name,
        file_kind=parsed.kind,
        file_format=parsed.label,
        dry_run=dry_run,
        rows_read=parsed.rows_read,
        locations_in_file=len(parsed.records),
        skipped=dict(parsed.skipped),
        care_homes=sum(1 for r in parsed.records if r.get("care_home")),
        dormant=sum(1 for r in parsed.records if r.get("dormant")),
    )
    report.warnings += [f"{n:,} {what}." for what, n in parsed.problems.items()]
    try:
        with transaction.atomic():
            known_ids = _apply(parsed, report, progress=progress, mark_missing_as_gone=mark_missing_as_gone)
            if dry_run:
                transaction.set_rollback(True)
            else:
                _record_run(report, user, known_ids)
    except DatabaseError as exc:
        raise CqcImportError(
            f"Nothing was imported: the database refused a change ({exc}). Try again, and if "
            "it happens again tell your MQIS administrator."
        ) from exc
    return report


def _apply(
    parsed: ParsedFile,
    report: ImportReport,
    *,
    progress: Progress | None,
    mark_missing_as_gone: bool,
) -> list[str]:
    """Write the parsed file to the registry. Returns the location IDs this kind now covers."""
    if not Council.objects.exists():
        load_reference_councils()
        report.warnings.append("The reference list of councils was loaded first.")
    now = timezone.now()
    provider_pks = _apply_providers(parsed, report)

    resolver = CouncilResolver()
    council_names = dict(Council.objects.values_list("pk", "name"))
    provider_ids = {pk: pid for pid, pk in provider_pks.items()}
    fields = sorted(parsed.location_fields)
    resolve_councils = "local_authority_name" in parsed.location_fields
    compared = [*fields, "provider_id", *(["council_id"] if resolve_councils else [])]
    unresolved: Counter[str] = Counter()
    changed_fields: Counter[str] = Counter()

    records = parsed.records
    existing: dict[str, dict[str, Any]] = {}
    for chunk in _chunks([r["cqc_location_id"] for r in records]):
        for row in Location.objects.filter(cqc_location_id__in=chunk).values("pk", "cqc_location_id", *compared):
            existing[row["cqc_location_id"]] = row
    total = len(records)
    new: list[Location] = []
    updates: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for n, rec in enumerate(records, 1):
        values = {f: rec[f] for f in fields}
        values["provider_id"] = provider_pks[rec["provider_id"]]
        if resolve_councils:
            council = resolver.resolve(rec["local_authority_name"])
            values["council_id"] = council.pk if council else None
            if council is None:
                unresolved[rec["local_authority_name"] or BLANK_AUTHORITY] += 1
        row = existing.get(rec["cqc_location_id"])
        if row is None:
            new.append(Location(cqc_location_id=rec["cqc_location_id"], **values))
            if len(report.new_locations) < REPORT_LIST_LIMIT:
                report.new_locations.append({"cqc_location_id": rec["cqc_location_id"], "name": rec.get("name", "")})
        else:
            diffs = [(a, row[a], v) for a, v in values.items() if row[a] != v]
            if not diffs:
                report.unchanged += 1
            else:
                report.changed += 1
                changed = {a: v for a, _old, v in diffs}
                updates.setdefault(tuple(sorted(changed)), []).append((row["pk"], changed))
                shown = [_shown_diff(a, old, v, council_names, provider_ids) for a, old, v in diffs]
                for name, _old, _new in shown:
                    changed_fields[name] += 1
                if len(report.changes) < REPORT_LIST_LIMIT:
                    report.changes.append(
                        {
                            "cqc_location_id": rec["cqc_location_id"],
                            "name": values.get("name") or row.get("name") or "",
                            "fields": [
                                {"field": name, "old": display(old), "new": display(new_value)}
                                for name, old, new_value in shown
                            ],
                        }
                    )
        if progress and (n % CHUNK == 0 or n == total):
            progress(n, total)

    Location.objects.bulk_create(new, batch_size=CHUNK)
    report.created = len(new)
    for attrs, rows in updates.items():
        _update_rows(Location, [*attrs, "updated_at"], [(pk, {**v, "updated_at": now}) for pk, v in rows])
    report.unresolved_authorities = dict(unresolved.most_common())
    report.changed_fields = dict(changed_fields.most_common())
    return _mark_gone(parsed, report, mark_missing_as_gone=mark_missing_as_gone, now=now)


def _shown_diff(
    attr: str,
    old: Any,
    new: Any,
    council_names: dict[int, str],
    provider_ids: dict[int, str],
) -> tuple[str, Any, Any]:
    """A change as a person reads it: councils by name, providers by CQC ID."""
    if attr == "council_id":
        return "council", council_names.get(old), council_names.get(new)
    if attr == "provider_id":
        return "provider", provider_ids.get(old) or _provider_id_of(old), provider_ids.get(new)
    return attr, old, new


def _update_rows(model: type[models.Model], attrs: list[str], rows: list[tuple[int, dict[str, Any]]]) -> None:
    """UPDATE many rows setting the same columns, in one executemany (far quicker than
    bulk_update's CASE expressions for thousands of rows)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    model_fields: list[models.Field[Any, Any]] = []
    for attr in attrs:
        model_field = opts.get_field(attr)
        assert isinstance(model_field, models.Field)
        model_fields.append(model_field)
    qn = connection.ops.quote_name
    assert opts.pk is not None
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        qn(opts.db_table),
        ", ".join(f"{qn(str(f.column))} = %s" for f in model_fields),
        qn(str(opts.pk.column)),
    )
    params = [
        [f.get_db_prep_save(values[a], connection) for a, f in zip(attrs, model_fields, strict=True)] + [pk]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(params), 5000):
            cursor.executemany(sql, params[i : i + 5000])


def _provider_id_of(pk: int | None) -> str | None:
    if pk is None:
        return None
    return Provider.objects.filter(pk=pk).values_list("cqc_provider_id", flat=True).first()


def _apply_providers(parsed: ParsedFile, report: ImportReport) -> dict[str, int]:
    """Create and update the file's providers. Returns CQC provider ID -> primary key."""
    first: dict[str, dict[str, Any]] = {}
    for rec in parsed.records:
        first.setdefault(rec["provider_id"], rec)
    keys = {k: f for k, f in PROVIDER_FIELDS.items() if f in parsed.provider_fields}
    existing = _providers_by_id(first)
    new, changed = [], []
    for pid, rec in first.items():
        values = {f: rec[k] for k, f in keys.items()}
        provider = existing.get(pid)
        if provider is None:
            values.setdefault("name", pid)
            values["name"] = values["name"] or pid
            new.append(Provider(cqc_provider_id=pid, **values))
            continue
        if not values.get("name", True):
            values.pop("name")  # never blank a provider's name
        if any(getattr(provider, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(provider, f, v)
            changed.append(provider)
    Provider.objects.bulk_create(new, batch_size=CHUNK)
    if changed:
        Provider.objects.bulk_update(changed, sorted(keys.values()), batch_size=CHUNK)
    report.providers_created = len(new)
    report.providers_changed = len(changed)
    pks: dict[str, int] = {}
    for chunk in _chunks(list(first)):
        pks.update(Provider.objects.filter(cqc_provider_id__in=chunk).values_list("cqc_provider_id", "pk"))
    return pks


def _previous_run(kind: str) -> ImportRun | None:
    return (
        ImportRun.objects.filter(file_kind=kind, dry_run=False, summary__has_key="location_ids")
        .order_by("-started_at", "-pk")
        .first()
    )


def _mark_gone(parsed: ParsedFile, report: ImportReport, *, mark_missing_as_gone: bool, now: dt.datetime) -> list[str]:
    """Mark as deregistered the locations the last file of this kind had and this one lacks.

    Only real (non-synthetic) locations that earlier imports of the same kind of file
    brought in are considered, and only when the file is a full extract.
    """
    in_file = {r["cqc_location_id"] for r in parsed.records}
    previous = _previous_run(parsed.kind)
    known = set(previous.summary.get("location_ids", [])) if previous else set()
    missing = sorted(known - in_file)
    candidates: list[dict[str, Any]] = []
    for chunk in _chunks(missing):
        rows = Location.objects.filter(cqc_location_id__in=chunk, is_synthetic=False, deregistered=False).values(
            "pk", "cqc_location_id", "name"
        )
        candidates.extend(dict(row) for row in rows)
    if not candidates:
        return sorted(in_file)
    label = KIND_LABELS[parsed.kind]
    if not mark_missing_as_gone:
        report.warnings.append(
            f"{len(candidates):,} locations from earlier {label} files are not in this one; "
            "they were left as they are because this was imported as a partial file."
        )
        return sorted(in_file | set(missing))
    if len(candidates) > GONE_SAFETY_MIN and len(candidates) > GONE_SAFETY_SHARE * len(known):
        report.warnings.append(
            f"{len(candidates):,} of the {len(known):,} locations in the previous {label} are "
            "not in this file. That is too many for a full extract, so this looks like a "
            "partial file and none were marked as gone."
        )
        return sorted(in_file | set(missing))
    _update_rows(
        Location,
        ["deregistered", "updated_at"],
        [(c["pk"], {"deregistered": True, "updated_at": now}) for c in candidates],
    )
    report.gone = len(candidates)
    report.gone_locations = [
        {"cqc_location_id": c["cqc_location_id"], "name": c["name"]} for c in candidates[:REPORT_LIST_LIMIT]
    ]
    return sorted(in_file)


def _record_run(report: ImportReport, user: Any, known_ids: list[str]) -> None:
    summary = report.as_dict()
    summary["location_ids"] = known_ids
    run = ImportRun.objects.create(
        file_name=report.file_name[:255],
        file_kind=report.file_kind,
        dry_run=False,
        user=user if getattr(user, "is_authenticated", False) else None,
        rows=report.rows_read,
        created=report.created,
        changed=report.changed,
        unchanged=report.unchanged,
        gone=report.gone,
        summary=summary,
    )
    report.import_run_id = run.pk
    # Only the latest run of a kind needs its list of location IDs.
    for old in ImportRun.objects.filter(file_kind=report.file_kind, summary__has_key="location_ids").exclude(pk=run.pk):
        old.summary.pop("location_ids", None)
        old.save(update_fields=["summary"])
