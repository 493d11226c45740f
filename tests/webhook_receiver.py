"""A webhook receiver for the tests, run as its own process: it records every request (path,
headers, body) as a JSON line in a file, and answers as told — one behaviour per request in
turn, the last one for every request after: a status code ("500", "200") or "hang" (answer
nothing for a minute).

    python tests/webhook_receiver.py RECORD_FILE 500,200 [CERT_FILE KEY_FILE]

prints the port it listens on (127.0.0.1, a free one), then serves until it is stopped; with a
certificate and its key, over TLS."""

import json
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def serve(record: Path, behaviours: list[str], tls: list[str]) -> None:
    lock = threading.Lock()
    seen = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                behaviour = behaviours[min(seen[0], len(behaviours) - 1)]
                seen[0] += 1
                line = {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
                with record.open("a") as file:
                    file.write(json.dumps(line) + "\n")
            if behaviour == "hang":
                time.sleep(60)
                return
            status = int(behaviour)
            answer = f"receiver says {status}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


@dataclass
class Receiver:
    process: subprocess.Popen
    record: Path
    port: int
    tls: bool = False

    def url(self, path: str = "/hook") -> str:
        if self.tls:
            return f"https://localhost:{self.port}{path}"  # the name its certificate holds
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self) -> list[dict[str, Any]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def wait_for(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.requests()) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, the receiver got {len(self.requests())}")


@contextmanager
def running_receiver(
    tmp_path: Path, behaviours: str = "200", tls: tuple[Path, Path] | None = None
) -> Iterator[Receiver]:
    """The receiver in its own process, for as long as the block runs; with `tls` (a
    certificate for localhost and its key), over https."""
    record = tmp_path / f"received-{time.monotonic_ns()}.jsonl"
    command = [sys.executable, __file__, str(record), behaviours, *map(str, tls or ())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        yield Receiver(process, record, port, tls=tls is not None)
    finally:
        process.kill()
        process.wait(timeout=10)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3:5])
