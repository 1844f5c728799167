"""`mqis load_councils`: load or refresh the ONS regions and councils (reference data)."""

from typing import Any

from django.core.management.base import BaseCommand

from mqis.registry.reference import load_reference_councils


class Command(BaseCommand):
    help = (
        "Create or update the 9 English regions and the councils with adult social care "
        "responsibility (ONS codes as at 2020) from MQIS's reference list. Safe to re-run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference_councils()
        self.stdout.write(
            f"Regions: {counts['regions_created']} created, {counts['regions_updated']} updated. "
            f"Councils: {counts['councils_created']} created, "
            f"{counts['councils_updated']} updated."
        )
