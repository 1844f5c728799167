"""`mqis demo [--host H] [--port N]`: set up the database, load the demo once, and serve it."""

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mqis.accounts.management.commands.serve import (
    add_server_arguments,
    address,
    check_address,
)
from mqis.demo.generator import DemoError, demo_loaded, seed_demo
from mqis.demo.users import DEMO_PASSWORD, demo_sign_ins, sign_in_table


class Command(BaseCommand):
    help = (
        "Run MQIS with the demo North West region: create or update the database, load the "
        "demo region if it is not loaded yet, print the demo sign-ins and serve."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start the background worker alongside the web server.")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        check_address(host, port)
        self.stdout.write("Setting up the database ...")
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        if demo_loaded():
            self.stdout.write("The demo region is already loaded.")
        else:
            self.stdout.write("Loading the demo North West region (about a minute, once) ...")
            try:
                summary = seed_demo(progress=None if options["verbosity"] else False)
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
            for line in summary.lines():
                self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Open {address(host, port)} in a browser and sign in.")
        for line in sign_in_table(demo_sign_ins(), DEMO_PASSWORD):
            self.stdout.write(line)
        self.stdout.write("")
        worker = None
        if not options["no_worker"]:
            # The worker sends alert e-mails (to this console), webhooks and reminders.
            worker = subprocess.Popen([sys.executable, "-m", "mqis.cli", "worker"])
            self.stdout.write("Started the background worker alongside the web server.")
        try:
            call_command("serve", host=host, port=port, threads=options["threads"])
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
