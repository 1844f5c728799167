"""`mqis serve [--host H] [--port N] [--threads N]`: serve MQIS over HTTP with waitress."""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def check_address(host: str, port: int) -> None:
    if not host.strip():
        raise CommandError("--host must not be blank (use 127.0.0.1, or 0.0.0.0 for every network).")
    if not 1 <= port <= 65535:
        raise CommandError(f"--port must be between 1 and 65535, not {port}.")


def address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


DEFAULT_THREADS = max(2, os.cpu_count() or 2)


def add_server_arguments(parser: CommandParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    # Python runs one thread at a time: one or two threads per core serve dashboards fastest
    # (docs/benchmarks.md, "Dashboards under load").
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"worker threads (default {DEFAULT_THREADS}, one per processor core, at least 2)")


class Command(BaseCommand):
    help = (
        "Serve MQIS over HTTP with waitress (static files by WhiteNoise). Put it behind a "
        "TLS-terminating proxy in production, and list its public name in MQIS_ALLOWED_HOSTS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        host, port, threads = options["host"], options["port"], options["threads"]
        check_address(host, port)
        if threads < 1:
            raise CommandError("--threads must be 1 or more.")
        from django.conf import settings
        from waitress import serve  # type: ignore[import-untyped]  # waitress ships no type hints

        # WhiteNoise serves through the finders; an existing STATIC_ROOT keeps it from warning.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        from mqis.wsgi import application

        self.stdout.write(f"MQIS is running at {address(host, port)} (press Ctrl-C to stop)")
        self.stdout.flush()
        try:
            serve(application, host=host, port=port, threads=threads, ident="MQIS", _quiet=True)
        except OSError as exc:
            raise CommandError(f"Could not listen on {host}:{port}: {exc.strerror or exc}") from exc
