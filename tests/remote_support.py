"""A local HTTP server that honours Range requests and counts the bytes it sends: the test
server of tests/test_remote.py, and run as a script (a separate process, so that its CPU time
is not the client's) by benchmarks/bench_remote.py.

``python tests/remote_support.py DIR PORT`` serves the files of DIR on 127.0.0.1:PORT;
``GET /__sent__`` gives the body bytes sent so far and ``GET /__reset__`` sets them to 0; a
path ending in ``/`` is an index page linking the files and folders under it.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """Files of the HTTP server, and the bytes it sent."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.sent = 0
        self.sent_by_name: dict[str, int] = {}
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.sent = 0
            self.sent_by_name.clear()


def make_handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _listing(self, prefix: str) -> bytes | None:
            """An index page of the names under ``prefix`` (links to files and to
            ``sub/`` folders), as a web server lists a folder; None when there are none."""
            children = sorted(
                {
                    n[len(prefix) :].partition("/")[0] + ("/" if "/" in n[len(prefix) :] else "")
                    for n in served.files
                    if n.startswith(prefix)
                }
            )
            if not children:
                return None
            links = "".join(f'<a href="{c}">{c}</a>\n' for c in children)
            return f"<html><body>\n{links}</body></html>\n".encode()

        def _body(self) -> tuple[int, bytes, dict[str, str]] | None:
            name = self.path.lstrip("/")
            if name.endswith("/") or not name:
                page = self._listing(name)
                if page is None:
                    self.send_error(404, "not found")
                    return None
                return 200, page, {"Content-Type": "text/html"}
            data = served.files.get(name)
            if data is None and any(n.startswith(name + "/") for n in served.files):
                # A folder named without its slash: sent to its index page, as web servers do.
                self.send_response(301)
                self.send_header("Location", f"/{name}/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if data is None:
                self.send_error(404, "not found")
                return None
            rng = self.headers.get("Range")
            if not rng:
                return 200, data, {}
            first, _, last = rng.removeprefix("bytes=").partition("-")
            start = int(first)
            end = min(int(last) + 1, len(data)) if last else len(data)
            if start >= len(data):
                self.send_error(416, "range not satisfiable")
                return None
            hdr = {"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"}
            return 206, data[start:end], hdr

        def do_HEAD(self) -> None:  # noqa: N802
            name = self.path.lstrip("/")
            data = served.files.get(name)
            if data is None:
                self.send_error(404, "not found")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            if self.path in ("/__sent__", "/__reset__"):
                with served.lock:
                    text = str(served.sent).encode()
                    if self.path == "/__reset__":
                        served.sent = 0
                self.send_response(200)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
                return
            got = self._body()
            if got is None:
                return
            status, body, hdr = got
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            for k, v in hdr.items():
                self.send_header(k, v)
            self.end_headers()
            drop = self.path.startswith("/drop/")
            if drop:
                # The connection breaks halfway through the body.
                body = body[: len(body) // 2]
            # Counted before sending: the client may go on before this thread does.
            with served.lock:
                served.sent += len(body)
                name = self.path.lstrip("/")
                served.sent_by_name[name] = served.sent_by_name.get(name, 0) + len(body)
            self.wfile.write(body)
            if drop:
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free loopback port, in a thread, stopped at the end: the base
    URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextlib.contextmanager
def http_server() -> Iterator[tuple[str, Served]]:
    """The Range-honouring server of ``Served`` files: its base URL and its files."""
    served = Served()
    with serving(make_handler(served)) as base:
        yield base, served


@contextlib.contextmanager
def moto_s3() -> Iterator[dict[str, Any]]:
    """moto's S3-compatible server on a free loopback port, stopped at the end: the s3fs
    storage options that reach it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {
            "key": "testing",
            "secret": "testing",
            "client_kwargs": {
                "endpoint_url": f"http://127.0.0.1:{port}",
                "region_name": "us-east-1",
            },
        }
    finally:
        server.stop()


def s3_bucket(s3: dict[str, Any], bucket: str) -> Any:
    """A new bucket on the moto server; the s3fs filesystem to fill it."""
    import boto3
    import s3fs

    boto3.client(
        "s3",
        endpoint_url=s3["client_kwargs"]["endpoint_url"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    return s3fs.S3FileSystem(**s3)


def main() -> None:
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    served = Served()
    for p in folder.iterdir():
        if p.is_file():
            served.files[p.name] = p.read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(served))
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
