"""The tables of the CQC import pages, as the pages show them, for `exports.table_download`.

A finished import's report is stored on its job (ImportReport.as_dict()), so the job page and
its downloads read the same rows. The report lists at most REPORT_LIST_LIMIT new, changed and
gone locations; the page says so, and the downloads hold the same rows.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from mqis.lib.exports import Table
from mqis.registry.models import CqcImportJob

SUMMARY = [
    ("File", "file_format"),
    ("Rows read", "rows_read"),
    ("Locations in the file", "locations_in_file"),
    ("of which care homes", "care_homes"),
    ("of which dormant", "dormant"),
    ("New locations", "created"),
    ("Changed locations", "changed"),
    ("Unchanged locations", "unchanged"),
    ("Gone (marked deregistered)", "gone"),
    ("New providers", "providers_created"),
    ("Changed providers", "providers_changed"),
    ("Rows skipped", "skipped_total"),
]
LOCATIONS_HEADER = ["CQC location ID", "Name"]


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The summary table's rows: what it is, then its value (a count, or the file's format)."""
    return [[label, report.get(key, 0)] for label, key in SUMMARY]


def change_rows(report: dict[str, Any]) -> Iterable[list[Any]]:
    """One row for each changed field of each changed location listed, the location on every row."""
    for change in report.get("changes", []):
        for f in change["fields"]:
            yield [change["cqc_location_id"], change["name"], f["field"], f["old"], f["new"]]


def location_rows(locations: list[dict[str, str]]) -> list[list[Any]]:
    return [[loc["cqc_location_id"], loc["name"]] for loc in locations]


def report_tables(report: dict[str, Any] | None) -> dict[str, Callable[[], Table]]:
    """The job page's report tables by key; none before the import has finished."""
    if not report:
        return {}
    return {
        "summary": lambda: (["Measure", "Value"], summary_rows(report)),
        "skipped": lambda: (["Reason", "Rows"], [[r, n] for r, n in report.get("skipped", {}).items()]),
        "unmatched-authorities": lambda: (
            ["Local authority in the file", "Locations"],
            [[name, n] for name, n in report.get("unresolved_authorities", {}).items()]),
        "new-locations": lambda: (LOCATIONS_HEADER, location_rows(report.get("new_locations", []))),
        "changed-locations": lambda: (["CQC location ID", "Location", "Field", "Was", "Now"],
                                      change_rows(report)),
        "gone-locations": lambda: (LOCATIONS_HEADER, location_rows(report.get("gone_locations", []))),
    }


def _local(moment: dt.datetime) -> dt.datetime:
    """A time as the wall clock in England shows it, to the second: a spreadsheet holds no time zones."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def recent_imports_table(jobs: list[CqcImportJob]) -> Callable[[], Table]:
    """The upload page's table of recent imports, as it lists them."""
    return lambda: (["File", "Dry run", "Uploaded", "By", "Status"], [
        [job.file_name, "Yes" if job.dry_run else "No", _local(job.created_at),
         job.user.username if job.user else "(deleted user)", job.get_status_display()]
        for job in jobs
    ])
