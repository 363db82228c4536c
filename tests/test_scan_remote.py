"""`rs_dicom.scan` of URLs: every corpus file served by the local HTTP server with Range
support (tests/remote_support.py) scans to the row of the same local file, value by value;
a URL that cannot be read is an error row, never an exception."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from conformance import corpus_files
from remote_support import Served, s3_bucket
from test_remote import http, s3  # noqa: F401  (the server fixtures)
from test_scan import TAGS

if os.environ.get("CI") == "true":
    import fsspec  # noqa: F401
    import pyarrow as pa
else:
    pytest.importorskip("fsspec")
    pytest.importorskip("aiohttp")
    pa = pytest.importorskip("pyarrow")

CORPUS = corpus_files()


def _serve(served: Served, base: str) -> tuple[list[str], list[str]]:
    """(local paths, URLs) of the corpus, each file served under a unique name."""
    paths, urls = [], []
    for n, path in enumerate(CORPUS):
        name = f"scan/{n}-{path.name}"
        served.files[name] = path.read_bytes()
        paths.append(str(path))
        urls.append(f"{base}/{name}")
    return paths, urls


def _rows(table: Any) -> list[dict[str, Any]]:
    return table.to_pylist()  # type: ignore[no-any-return]


def test_scan_of_urls_equals_scan_of_the_local_files(http: tuple[str, Served]) -> None:  # noqa: F811
    base, served = http
    paths, urls = _serve(served, base)
    local = rs_dicom.scan(paths, TAGS)
    served.reset()
    remote = rs_dicom.scan(urls, TAGS, workers=2)
    assert remote.schema == local.schema
    assert remote.column("path").to_pylist() == urls
    errors = 0
    for url, path, got, want in zip(urls, paths, _rows(remote), _rows(local), strict=True):
        if want["error"] is not None:
            errors += 1
            want["error"] = want["error"].replace(path, url)
        want["path"] = url
        assert got == want, url
    assert errors > 0  # the corpus holds broken files: their rows say the same thing
    # Headers only: far fewer bytes than the files hold.
    assert served.sent < sum(len(served.files[u.removeprefix(base + "/")]) for u in urls) // 4


def test_bad_urls_are_error_rows_and_order_is_kept(http: tuple[str, Served]) -> None:  # noqa: F811
    base, served = http
    paths, urls = _serve(served, base)
    mixed = [urls[0], paths[1], f"{base}/scan/no-such-file.dcm", urls[2], "/no/such/file.dcm"]
    table = rs_dicom.scan(mixed, TAGS, workers=1)
    rows = _rows(table)
    assert [r["path"] for r in rows] == mixed
    local = _rows(rs_dicom.scan([paths[0], paths[1], paths[2]], TAGS))
    for got, want in zip([rows[0], rows[1], rows[3]], local, strict=True):
        assert {k: v for k, v in got.items() if k != "path"} == {
            k: v for k, v in want.items() if k != "path"
        }
    for r in (rows[2], rows[4]):
        assert r["error"] is not None and r["path"] in r["error"]
        assert r["size"] is None and r["SOPInstanceUID"] is None
    # A server that is not there: an error row too, not an exception.
    dead = rs_dicom.scan(["http://127.0.0.1:9/x.dcm"], TAGS)
    assert dead.num_rows == 1 and dead.column("error")[0].as_py() is not None


def test_scan_of_s3_urls_equals_scan_of_the_local_files(s3: dict[str, Any]) -> None:  # noqa: F811
    fs = s3_bucket(s3, "scan")
    paths = [str(p) for p in CORPUS[:: max(1, len(CORPUS) // 20)]]
    urls = [f"s3://scan/{n}-{Path(p).name}" for n, p in enumerate(paths)]
    for path, url in zip(paths, urls, strict=True):
        fs.pipe(url.removeprefix("s3://"), Path(path).read_bytes())
    fs.invalidate_cache()
    local = _rows(rs_dicom.scan(paths, TAGS))
    remote = _rows(rs_dicom.scan([*urls, "s3://scan/missing.dcm"], TAGS, storage_options=s3))
    for url, path, got, want in zip(urls, paths, remote, local, strict=False):
        if want["error"] is not None:
            want["error"] = want["error"].replace(path, url)
        assert got == {**want, "path": url}, url
    assert remote[-1]["error"] is not None and "missing.dcm" in remote[-1]["error"]


def test_plain_urls_are_not_listed() -> None:
    from rs_dicom._scan import expand_paths

    # No request is made: a URL that names one file (an HTTP query's "?" is no wildcard).
    plain = ["s3://b/k.dcm", "https://h/a.dcm?x=1", "memory://m/f"]
    assert expand_paths(plain) == plain


def test_scan_lists_s3_prefixes_and_globs(s3: dict[str, Any]) -> None:  # noqa: F811
    fs = s3_bucket(s3, "listed")
    paths = [str(p) for p in CORPUS[:: max(1, len(CORPUS) // 12)]]
    urls = []
    for n, path in enumerate(paths):
        # Two levels: study folders holding series folders.
        url = f"s3://listed/archive/study{n % 3}/series{n % 2}/IM{n:03d}.dcm"
        fs.pipe(url.removeprefix("s3://"), Path(path).read_bytes())
        urls.append(url)
    fs.pipe("listed/elsewhere/other.dcm", Path(paths[0]).read_bytes())
    fs.invalidate_cache()
    by_url = {r["path"]: r for r in _rows(rs_dicom.scan(urls, TAGS, storage_options=s3))}

    table = rs_dicom.scan("s3://listed/archive/", TAGS, storage_options=s3)
    assert table.column("path").to_pylist() == sorted(urls)
    assert _rows(table) == [by_url[u] for u in sorted(urls)]

    top = rs_dicom.scan("s3://listed/archive/study0/", TAGS, storage_options=s3, recursive=False)
    assert top.num_rows == 0  # only folders at the first level
    globbed = rs_dicom.scan("s3://listed/archive/study1/*/IM*.dcm", TAGS, storage_options=s3)
    want = sorted(u for u in urls if "/study1/" in u)
    assert want and globbed.column("path").to_pylist() == want

    from rs_dicom.dask import scan as dask_scan

    frame = dask_scan("s3://listed/archive/", TAGS, storage_options=s3).compute()
    assert list(frame["path"]) == sorted(urls)

    # A listing the store refuses is the URL's error row.
    bad = _rows(rs_dicom.scan("s3://no-such-bucket/x/", TAGS, storage_options=s3))
    assert len(bad) == 1 and bad[0]["path"] == "s3://no-such-bucket/x/"
    assert bad[0]["error"] is not None


def _header_end(data: bytes) -> int | None:
    """Where a file's pixel data starts (None: no pixel data, or a header the push parser
    finds bad)."""
    from rs_dicom import _core

    p = _core.PushParser(stop_before_pixels=True)
    p.feed(data)
    where = p.pixel_location
    return None if where is None else int(where[0])


def test_scan_of_urls_writes_no_file_and_fetches_only_headers(
    http: tuple[str, Served],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tempfile

    from rs_dicom.remote import FIRST_REQUEST, GROWTH

    base, served = http
    paths, urls = _serve(served, base)
    # Both Python's and Rust's temporary folders are this empty one.
    empty = tmp_path / "tmp"
    empty.mkdir()
    monkeypatch.setenv("TMPDIR", str(empty))
    monkeypatch.setattr(tempfile, "tempdir", str(empty))
    served.reset()
    table = rs_dicom.scan(urls, TAGS, workers=2)
    assert list(empty.iterdir()) == []
    assert table.num_rows == len(urls) and table.column("error").null_count > 0
    bounded = 0
    for url in urls:
        name = url.removeprefix(base + "/")
        data = served.files[name]
        sent = served.sent_by_name.get(name, 0)
        assert sent <= len(data), url
        end = _header_end(data)
        if end is not None:
            # One request, or requests growing by GROWTH up to the pixel data.
            assert sent <= max(FIRST_REQUEST, GROWTH * end), (url, sent, end)
            bounded += 1
    assert bounded > len(urls) // 2
    # Fewer tags, read only up to the last of them: no more bytes than for all the tags.
    served.reset()
    rs_dicom.scan(urls, ["SOPClassUID"], workers=2)
    few = dict(served.sent_by_name)
    assert list(empty.iterdir()) == []
    served.reset()
    rs_dicom.scan(urls, TAGS, workers=2)
    assert all(few.get(n, 0) <= s for n, s in served.sent_by_name.items())


def test_a_big_multiframe_over_http_costs_one_small_request(
    http: tuple[str, Served],  # noqa: F811
) -> None:
    from rs_dicom.remote import FIRST_REQUEST
    from test_remote import multiframe_native

    base, served = http
    data = multiframe_native()
    served.files["scan/big.dcm"] = data
    served.reset()
    row = rs_dicom.scan([f"{base}/scan/big.dcm"], TAGS).to_pylist()[0]
    assert row["error"] is None and row["size"] == len(data)
    assert row["NumberOfFrames"] == rs_dicom.dcmread(data).NumberOfFrames
    assert served.sent == FIRST_REQUEST < len(data) // 100
