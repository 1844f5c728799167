"""A real HTTP server on 127.0.0.1 that records what it receives: a webhook receiver for tests
and for trying webhooks out by hand (python -m mqis.lib.receiver PORT)."""

import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: Message  # looked up without regard to case, as HTTP headers are
    body: bytes


@dataclass
class Receiver:
    """Answers each request with the next status in `statuses` (then 200), after `delay` seconds."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def start(self, port: int = 0) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.headers, body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.05)
        return False


if __name__ == "__main__":
    r = Receiver().start(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
    print(f"Listening on {r.url}; Ctrl+C to stop.")
    try:
        while True:
            time.sleep(1)
            for item in r.received:
                print(item.headers.get("X-MQIS-Delivery"), item.body.decode()[:200])
            r.received.clear()
    except KeyboardInterrupt:
        r.stop()
