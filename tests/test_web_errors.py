"""rs_dicom.web's failures against a tiny local HTTP server that answers what each test
scripts: HTTP errors, refused authentication, malformed and truncated multipart bodies,
non-JSON answers, a closed port."""

from __future__ import annotations

import base64
import http.server
from collections.abc import Iterator
from typing import Any

import pytest
import rs_dicom
from net_support import free_port, pydicom_file
from remote_support import serving
from rs_dicom import web

Answer = tuple[int, dict[str, str], bytes]


class Scripted:
    """What the server answers (by path), and the requests it saw."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    script = Scripted()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            path = self.path.split("?")[0]
            script.seen.append((self.command, self.path, dict(self.headers), body))
            status, headers, data = script.answers.get(path, (404, {}, b"not found"))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as base:
        yield f"{base}/dicom-web", script


def multipart(parts: list[tuple[str, bytes]], boundary: str = "BOUNDARY") -> Answer:
    body, _ = web.write_multipart(parts, boundary)
    ctype = f'multipart/related; type="application/dicom"; boundary="{boundary}"'
    return 200, {"Content-Type": ctype}, body


def test_http_error_status(server: tuple[str, Scripted]) -> None:
    url, _ = server
    with pytest.raises(web.HTTPError) as info:
        web.Client(url).search_for_studies()
    assert info.value.status == 404
    assert info.value.body == b"not found"
    assert "/dicom-web/studies" in str(info.value)


def test_basic_auth_refused_and_accepted(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers["/dicom-web/studies"] = (401, {"WWW-Authenticate": 'Basic realm="x"'}, b"")
    with pytest.raises(web.HTTPError) as info:
        web.Client(url, auth=("u", "wrong")).search_for_studies()
    assert info.value.status == 401
    script.answers["/dicom-web/studies"] = (200, {"Content-Type": "application/dicom+json"}, b"[]")
    assert web.Client(url, auth=("u", "pw")).search_for_studies() == []
    sent = script.seen[-1][2]["Authorization"]
    assert base64.b64decode(sent.split()[1]) == b"u:pw"

    def token(req: Any) -> None:
        req.add_header("Authorization", "Bearer abc")

    web.Client(url, auth=token, headers={"X-Trace": "1"}).search_for_studies()
    assert script.seen[-1][2]["Authorization"] == "Bearer abc"
    assert script.seen[-1][2]["X-Trace"] == "1"


def test_query_parameters(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers["/dicom-web/studies/1.2/series"] = (200, {}, b"[]")
    web.Client(url).search_for_series(
        "1.2",
        fuzzymatching=True,
        limit=5,
        offset=10,
        fields=["A", "B"],
        search_filters={"Modality": "CT", "SeriesInstanceUID": ["1", "2"]},
    )
    query = script.seen[-1][1].split("?")[1]
    assert sorted(query.split("&")) == sorted(
        [
            "Modality=CT",
            "SeriesInstanceUID=1%2C2",
            "fuzzymatching=true",
            "includefield=A",
            "includefield=B",
            "limit=5",
            "offset=10",
        ]
    )


def test_not_json(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers["/dicom-web/studies"] = (200, {"Content-Type": "text/html"}, b"<html>")
    with pytest.raises(web.DICOMwebError, match="not JSON"):
        web.Client(url).search_for_studies()


def test_truncated_multipart_names_the_offset(server: tuple[str, Scripted]) -> None:
    url, script = server
    data = pydicom_file("CT_small.dcm").read_bytes()
    status, headers, body = multipart([("application/dicom", data)] * 2)
    script.answers["/dicom-web/studies/1"] = (status, headers, body[:-40])
    with pytest.raises(rs_dicom.TruncatedError, match=r"byte offset \d+"):
        web.Client(url).retrieve_study("1")
    # The first instance was whole: iterating hands it out before the error.
    it = web.Client(url, chunk_size=4096).iter_study("1")
    assert next(it).SOPInstanceUID == rs_dicom.dcmread(data).SOPInstanceUID
    with pytest.raises(rs_dicom.TruncatedError):
        next(it)


def test_malformed_part_header(server: tuple[str, Scripted]) -> None:
    url, script = server
    body = b"--B\r\nno colon here\r\n\r\nxx\r\n--B--\r\n"
    script.answers["/dicom-web/studies/1"] = (
        200,
        {"Content-Type": "multipart/related; boundary=B"},
        body,
    )
    with pytest.raises(rs_dicom.MalformedError, match="byte offset 5"):
        web.Client(url).retrieve_study("1")


def test_wrong_content_types(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers["/dicom-web/studies/1"] = (200, {"Content-Type": "application/dicom"}, b"x")
    with pytest.raises(web.DICOMwebError, match="multipart"):
        web.Client(url).retrieve_study("1")
    script.answers["/dicom-web/studies/1"] = (200, {"Content-Type": "multipart/related"}, b"x")
    with pytest.raises(web.DICOMwebError, match="boundary"):
        web.Client(url).retrieve_study("1")
    script.answers["/dicom-web/studies/1"] = multipart([("image/jpeg", b"\xff\xd8")])
    with pytest.raises(web.DICOMwebError, match="image/jpeg"):
        web.Client(url).retrieve_study("1")


def test_store_sends_one_multipart_request(server: tuple[str, Scripted]) -> None:
    url, script = server
    script.answers["/dicom-web/studies"] = (200, {"Content-Type": "application/dicom+json"}, b"{}")
    paths = [pydicom_file("CT_small.dcm"), pydicom_file("MR_small.dcm")]
    assert web.Client(url).store_instances(paths) == {}
    method, _path, headers, body = script.seen[-1]
    assert method == "POST"
    parts = web.parse_multipart(body, headers["Content-Type"])
    assert [bytes(c) for _h, c in parts] == [p.read_bytes() for p in paths]
    assert all(h["Content-Type"] == "application/dicom" for h, _c in parts)
    script.answers["/dicom-web/studies"] = (409, {}, b"conflict")
    with pytest.raises(web.HTTPError) as info:
        web.Client(url).store_instances(paths)
    assert info.value.status == 409


def test_closed_port() -> None:
    with pytest.raises(web.DICOMwebError):
        web.Client(f"http://127.0.0.1:{free_port()}/dicom-web", timeout=5).search_for_studies()


def test_multipart_roundtrip_and_boundary_in_content() -> None:
    parts = [("application/dicom", b"a\r\n--X\r\nb"), ("application/octet-stream", b"")]
    with pytest.raises(rs_dicom.DicomError, match="boundary"):
        web.write_multipart(parts, "X")
    body, boundary = web.write_multipart(parts)
    got = web.parse_multipart(body, f"multipart/related; boundary={boundary}")
    assert [(h["Content-Type"], bytes(c)) for h, c in got] == parts


def test_get_remaining_stops_when_the_server_ignores_offset(server: tuple[str, Scripted]) -> None:
    url, script = server
    page = b'[{"0020000D": {"vr": "UI", "Value": ["1.2"]}}]'
    script.answers["/dicom-web/studies"] = (200, {"Content-Type": "application/dicom+json"}, page)
    got = web.Client(url).search_for_studies(limit=1, get_remaining=True)
    assert got == [{"0020000D": {"vr": "UI", "Value": ["1.2"]}}]
    assert len(script.seen) == 2
