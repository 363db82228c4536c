"""The web page of the JavaScript package (js/web/) in headless Chromium: it is served from a
loopback HTTP server, loads a sample file through the same path as an opened or dropped file,
draws it, and posts back the canvas's pixels, which must equal the Python package's
`rs_dicom.display.to_display` of the same frame (grey shown in all three channels, alpha 255),
with the file's window and with one set on the page.

Needs `chromium` (Debian package, installed by scripts/test.sh) and the built package
(scripts/build_js.sh); under CI=true their absence is a failure."""

from __future__ import annotations

import base64
import json
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
import rs_dicom
from conftest import IN_CI
from helpers import ROOT, SAMPLE

JS = ROOT / "js"
PKG = JS / "pkg" / "rs_dicom_bg.wasm"
TIMEOUT = 90


def _corpus(name: str) -> Path | None:
    try:
        from pydicom.data import get_testdata_file
    except ImportError:
        return None
    p = get_testdata_file(name)
    return Path(p) if p else None


# (file, window or None): grey with rescale and the file's window, the same with a window set
# on the page, then RGB (RLE), palette (RLE), grey JPEG 2000 with and without a window, and a
# large MONOCHROME1 lossy JPEG 2000 file.
CASES: list[tuple[str, tuple[float, float] | None]] = [
    ("sample_ct.dcm", None),
    ("sample_ct.dcm", (40.0, 400.0)),
    ("SC_rgb_rle.dcm", None),
    ("OBXXXX1A_rle.dcm", None),
    ("MR_small_jp2klossless.dcm", None),
    ("MR_small_jp2klossless.dcm", (1000.0, 500.5)),
    ("MR2_J2KR.dcm", None),
    ("RG3_J2KI.dcm", None),
]


def _path(name: str) -> Path | None:
    return SAMPLE if name == SAMPLE.name else _corpus(name)


def _require() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = [] if chromium else ["chromium"]
    if not PKG.exists():
        missing.append(f"{PKG.relative_to(ROOT)} (bash scripts/build_js.sh)")
    if missing:
        msg = f"the web page is not testable: missing {', '.join(missing)}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    assert chromium is not None
    return chromium


class _Server:
    """Serves js/ and the sample files (/samples/<name>) and collects the page's reports."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}
        self.reports: queue.Queue[dict[str, Any]] = queue.Queue()
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            extensions_map = {
                **SimpleHTTPRequestHandler.extensions_map,
                ".js": "text/javascript",
                ".wasm": "application/wasm",
            }

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(JS), **kwargs)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.startswith("/samples/"):
                    p = outer.files.get(self.path.removeprefix("/samples/"))
                    if p is None:
                        self.send_error(404)
                        return
                    data = p.read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/dicom")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                super().do_GET()

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.reports.put(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    s = _Server()
    try:
        yield s
    finally:
        s.close()


def _open_page(chromium: str, url: str, srv: _Server, profile: Path) -> dict[str, Any]:
    """Runs Chromium on `url` until the page reports (or the timeout), then stops it."""
    proc = subprocess.Popen(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # root in CI; the page is our own, served from loopback
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--force-color-profile=srgb",
            f"--user-data-dir={profile}",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return srv.reports.get(timeout=TIMEOUT)
    except queue.Empty:
        pytest.fail(f"the page did not report within {TIMEOUT} s: {url}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _expected_rgba(path: Path, window: tuple[float, float] | None) -> np.ndarray:
    ds = rs_dicom.dcmread(path)
    img = np.asarray(rs_dicom.display.to_display(ds, 0, window))
    rgb = np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img
    alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
    return np.concatenate([rgb, alpha], axis=2)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "window"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_canvas_equals_python_display(
    name: str, window: tuple[float, float] | None, server: _Server, tmp_path: Path
) -> None:
    chromium = _require()
    path = _path(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"test file {name} missing (pydicom-data)")
        pytest.skip(f"test file {name} missing")
    server.files[name] = path
    base = f"http://127.0.0.1:{server.port}"
    url = f"{base}/web/index.html?file=/samples/{quote(name)}&report=/report"
    if window is not None:
        url += f"&center={window[0]}&width={window[1]}"
    report = _open_page(chromium, url, server, tmp_path / "profile")
    assert report["error"] is None, report["error"]
    expected = _expected_rgba(path, window)
    assert (report["height"], report["width"]) == expected.shape[:2]
    got = np.frombuffer(base64.b64decode(report["rgba"]), np.uint8).reshape(expected.shape)
    np.testing.assert_array_equal(got, expected)
    ds = rs_dicom.dcmread(path)
    assert report["elements"] >= len(ds) + len(ds.file_meta or [])


@pytest.mark.slow
def test_page_reports_errors(server: _Server, tmp_path: Path) -> None:
    chromium = _require()
    bad = tmp_path / "cut.dcm"
    data = SAMPLE.read_bytes()
    bad.write_bytes(data[:200])
    server.files["cut.dcm"] = bad
    url = f"http://127.0.0.1:{server.port}/web/index.html?file=/samples/cut.dcm&report=/report"
    report = _open_page(chromium, url, server, tmp_path / "profile")
    with pytest.raises(rs_dicom.DicomError) as exc:
        rs_dicom.dcmread(bad)
    assert report["error"]["name"] == type(exc.value).__name__
    assert report["error"]["offset"] == exc.value.offset
    assert report["error"]["tagPath"] == exc.value.tag_path
