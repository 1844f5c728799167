"""Server-Timing: how long Django took over each response, for browsers' tools and load tests."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class ServerTimingMiddleware:
    """Add `Server-Timing: app;dur=<ms>, cpu;dur=<ms>` to every response. Put it first in MIDDLEWARE.

    `app` is the wall-clock time in Django; `cpu` the processor time of the thread that
    served the request. Under load, `app` minus `cpu` is mostly time spent waiting for
    other threads (Python runs one thread at a time) or for the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.1f}, cpu;dur={cpu:.1f}"
        return response
