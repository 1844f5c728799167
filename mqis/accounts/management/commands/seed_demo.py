"""`mqis seed-demo [--seed N] [--weeks N]`: load the demo North West region, once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mqis.demo.generator import DemoError, seed_demo, truth_path
from mqis.demo.users import sign_in_table


class Command(BaseCommand):
    help = (
        "Load the demo North West region: its 23 councils, the real CQC rows for the region, "
        "synthetic locations up to about 2,000, demo users and six months of weekly returns. "
        "Does nothing if the demo is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026,
                            help="random seed: the same seed gives the same data (default 2026)")
        parser.add_argument("--weeks", type=int, default=26,
                            help="weeks of returns, up to and including this one (default 26)")
        parser.add_argument("--locations", type=int, default=2000,
                            help="locations in the region, real and synthetic (default 2000)")
        parser.add_argument("--no-progress", action="store_true",
                            help="no progress bars (they show only on a terminal anyway)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["weeks"] < 1 or options["weeks"] > 104:
            raise CommandError("--weeks must be between 1 and 104.")
        if options["locations"] < 0:
            raise CommandError("--locations must be 0 or more.")
        quiet = options["no_progress"] or options["verbosity"] == 0
        try:
            summary = seed_demo(seed=options["seed"], weeks=options["weeks"],
                                target_locations=options["locations"],
                                progress=False if quiet else None)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        if not summary.already_loaded:
            self.stdout.write(f"What the demo planted (fragile homes, homes short of PPE, late "
                              f"and missing submitters) is listed in {truth_path()}.")
        self.stdout.write("")
        for line in sign_in_table(summary.sign_ins, summary.password):
            self.stdout.write(line)
