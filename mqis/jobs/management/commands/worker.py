"""mqis worker: run background work (alerts on a schedule, reminders, webhook and e-mail delivery)."""

import logging
import signal
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from mqis.jobs import runner


class Command(BaseCommand):
    help = "Run the background worker: scheduled alert checks, reminders, e-mail and webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to wait when there is nothing to do (default 1).")
        parser.add_argument("--once", action="store_true",
                            help="Run what is due and what is queued, then stop.")
        parser.add_argument("--worker-id", default="",
                            help="A unique name for this worker (default: random).")

    def handle(self, *args: Any, interval: float, once: bool, worker_id: str, **options: Any) -> None:
        if interval <= 0:
            self.stderr.write("The interval must be more than 0 seconds.")
            sys.exit(2)
        logging.getLogger("mqis.worker").setLevel(logging.INFO)
        worker_id = worker_id or f"worker-{get_random_string(12)}"
        worker = runner.make_worker(worker_id)
        def stop(signum: int, frame: object) -> None:
            # The first signal lets the job in hand finish; the loop then ends. A second one
            # stops at once.
            if not worker.running:
                raise SystemExit(1)
            worker.running = False

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stop)
        self.stdout.write(f"MQIS worker {worker_id} started; press Ctrl+C to stop.")
        runner.run(worker_id, interval=interval, once=once, worker=worker)
        self.stdout.write("Worker stopped.")
