"""`mqis import-cqc FILE [--dry-run]`: import a CQC locations or care directory file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from mqis.registry.importer import CqcImportError, import_cqc_file


class Command(BaseCommand):
    help = (
        "Import a CQC file (adult social care locations extract, care directory, care "
        "directory with filters, or API location JSON) into the registry. Re-importing "
        "updates, never duplicates, and reports what changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CQC file: .csv, .xlsx or .json")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without saving anything",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="the file is not a full extract: do not mark missing locations as gone",
        )
        parser.add_argument(
            "--max-changes",
            type=int,
            default=10,
            help="how many changed locations to list (default 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        bar = tqdm(
            total=0,
            unit=" locations",
            desc=f"Importing {path.name}",
            file=sys.stderr,
            disable=None,  # off when stderr is not a terminal
            leave=False,
        )

        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            report = import_cqc_file(
                path,
                file_name=path.name,
                dry_run=options["dry_run"],
                progress=progress,
                mark_missing_as_gone=not options["partial"],
            )
        except CqcImportError as exc:
            raise CommandError(f"{path.name} was not imported. {exc.message}") from exc
        finally:
            bar.close()
        for line in report.lines(max_changes=options["max_changes"]):
            self.stdout.write(line)
