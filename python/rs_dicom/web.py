"""A DICOMweb client (PS3.18): QIDO-RS search, WADO-RS retrieve and STOW-RS store.

Method names and arguments follow dicomweb-client's ``DICOMwebClient``; HTTP goes through
the standard library's urllib (no extra dependency), ``multipart/related`` bodies are split
and written in Rust, chunk by chunk as a response arrives (the ``iter_*`` methods hold one
instance at a time). Differences from dicomweb-client: instances come back as rs_dicom
Datasets; HTTP failures raise :class:`HTTPError` (with ``.status``) instead of requests'
exception; search results can be turned into Datasets with ``as_datasets=True``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from rs_dicom import _core

__all__ = ["Client", "DICOMwebError", "HTTPError", "parse_multipart", "write_multipart"]

_DICOM = "application/dicom"
_JSON = "application/dicom+json"
_OCTETS = "application/octet-stream"
_CHUNK = 1 << 20


class DICOMwebError(OSError):
    """A DICOMweb request failed (connection, HTTP status, unexpected answer)."""


class HTTPError(DICOMwebError):
    """The server answered with an HTTP error status (``.status``, ``.reason``, ``.url``,
    ``.body`` the first bytes of the answer)."""

    def __init__(self, status: int, reason: str, url: str, body: bytes = b"") -> None:
        super().__init__(f"HTTP {status} {reason} for {url}")
        self.status = status
        self.reason = reason
        self.url = url
        self.body = body


def parse_multipart(body: bytes, content_type: str) -> list[tuple[dict[str, str], memoryview]]:
    """The parts of a whole ``multipart/related`` body: ``(headers, content)`` pairs, each
    content a view of ``body`` (no copy). Raises DicomError (with the byte offset) when the
    body is malformed or truncated."""
    boundary = _boundary(content_type)
    view = memoryview(body)
    return [
        (dict(h), view[start:end])
        for h, start, end in _core.web_split_multipart(bytes(body), boundary)
    ]


def write_multipart(
    parts: Sequence[tuple[str, bytes]], boundary: str | None = None
) -> tuple[bytes, str]:
    """A ``multipart/related`` body of ``(content type, content)`` parts and the boundary
    used (random unless given)."""
    while True:
        b = boundary or f"rs-dicom-{secrets.token_hex(16)}"
        try:
            return _core.web_write_multipart(list(parts), b), b
        except ValueError:
            if boundary is not None:
                raise


def _boundary(content_type: str) -> str:
    media, params = _core.web_parse_content_type(content_type)
    if not media.startswith("multipart/"):
        raise DICOMwebError(f"expected a multipart answer, got {content_type!r}")
    found = dict(params).get("boundary")
    if not found:
        raise DICOMwebError(f"multipart answer without a boundary: {content_type!r}")
    return str(found)


def _part_type(headers: Iterable[tuple[str, str]]) -> str:
    for k, v in headers:
        if k.lower() == "content-type":
            return v
    return ""


class Client:
    """A DICOMweb server at ``url`` (e.g. ``http://host:8042/dicom-web``).

    ``headers`` are sent with every request; ``auth`` is ``(username, password)`` for HTTP
    basic authentication or a callable that takes a :class:`urllib.request.Request` and adds
    its own headers (tokens); ``timeout`` is in seconds. The ``*_url_prefix`` arguments are
    path segments between ``url`` and the service (dicomweb-client's names)."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | Callable[[urllib.request.Request], None] | None = None,
        timeout: float | None = 60.0,
        qido_url_prefix: str | None = None,
        wado_url_prefix: str | None = None,
        stow_url_prefix: str | None = None,
        chunk_size: int = _CHUNK,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> None:
        self.base_url = url.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.chunk_size = chunk_size
        self._prefix = {"qido": qido_url_prefix, "wado": wado_url_prefix, "stow": stow_url_prefix}
        self._auth_hook: Callable[[urllib.request.Request], None] | None = None
        if isinstance(auth, tuple):
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"
        elif auth is not None:
            self._auth_hook = auth
        self._opener = opener or urllib.request.build_opener()

    # -- HTTP -------------------------------------------------------------------------------

    def _url(self, service: str, path: str, params: Mapping[str, Any] | None = None) -> str:
        prefix = self._prefix[service]
        url = self.base_url + (f"/{prefix.strip('/')}" if prefix else "") + path
        if params:
            url += "?" + urllib.parse.urlencode(_query(params), doseq=True)
        return url

    def _open(
        self,
        method: str,
        url: str,
        accept: str | None = None,
        body: bytes | Iterable[bytes] | None = None,
        content_type: str | None = None,
        length: int | None = None,
    ) -> Any:
        req = urllib.request.Request(url, data=body, method=method)
        for k, v in self.headers.items():
            req.add_header(k, v)
        if length is not None:
            req.add_header("Content-Length", str(length))
        if accept:
            req.add_header("Accept", accept)
        if content_type:
            req.add_header("Content-Type", content_type)
        if self._auth_hook is not None:
            self._auth_hook(req)
        try:
            return self._opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            detail = exc.read(4096) if exc.fp is not None else b""
            raise HTTPError(exc.code, str(exc.reason), url, detail) from None
        except urllib.error.URLError as exc:
            raise DICOMwebError(f"{method} {url}: {exc.reason}") from None
        except OSError as exc:
            raise DICOMwebError(f"{method} {url}: {exc}") from None

    def _get_json(self, url: str) -> list[dict[str, Any]]:
        with self._open("GET", url, _JSON + ", application/json") as resp:
            data = resp.read()
        if resp.status == 204 or not data.strip():
            return []
        try:
            out = json.loads(data)
        except ValueError as exc:
            raise DICOMwebError(f"{url}: the answer is not JSON ({exc})") from None
        if not isinstance(out, list):
            raise DICOMwebError(f"{url}: expected a JSON array, got {type(out).__name__}")
        return out

    def _iter_parts(self, url: str, accept: str) -> Iterator[tuple[dict[str, str], bytes]]:
        """The parts of a multipart answer, as they arrive."""
        with self._open("GET", url, accept) as resp:
            reader = _core.MultipartReader(_boundary(resp.headers.get("Content-Type", "")))
            while True:
                chunk = (
                    resp.read1(self.chunk_size)
                    if hasattr(resp, "read1")
                    else resp.read(self.chunk_size)
                )
                if not chunk:
                    break
                for headers, content, _offset in reader.feed(chunk):
                    yield dict(headers), content
            reader.finish()

    # -- QIDO-RS ----------------------------------------------------------------------------

    def _search(
        self,
        path: str,
        fuzzymatching: bool | None,
        limit: int | None,
        offset: int | None,
        fields: Sequence[str] | None,
        search_filters: Mapping[str, Any] | None,
        get_remaining: bool,
        as_datasets: bool,
    ) -> list[Any]:
        params: dict[str, Any] = dict(search_filters or {})
        if fuzzymatching is not None:
            params["fuzzymatching"] = "true" if fuzzymatching else "false"
        if fields:
            params["includefield"] = list(fields)
        results: list[dict[str, Any]] = []
        start = offset or 0
        previous: list[dict[str, Any]] | None = None
        while True:
            page = dict(params)
            if limit is not None:
                page["limit"] = limit
            if start:
                page["offset"] = start
            got = self._get_json(self._url("qido", path, page))
            if got == previous:
                break  # a server that ignores offset: stop instead of looping
            results.extend(got)
            # Servers cap a page (Orthanc at 100 by default); ask again for the rest.
            if not get_remaining or not got or (limit is not None and len(got) < limit):
                break
            start += len(got)
            previous = got
        if as_datasets:
            return [_core.Dataset.from_json(r) for r in results]
        return results

    def search_for_studies(
        self,
        fuzzymatching: bool | None = None,
        limit: int | None = None,
        offset: int | None = None,
        fields: Sequence[str] | None = None,
        search_filters: Mapping[str, Any] | None = None,
        get_remaining: bool = False,
        *,
        as_datasets: bool = False,
    ) -> list[Any]:
        """QIDO-RS ``/studies``: DICOM JSON dicts (Datasets with ``as_datasets``)."""
        return self._search(
            "/studies",
            fuzzymatching,
            limit,
            offset,
            fields,
            search_filters,
            get_remaining,
            as_datasets,
        )

    def search_for_series(
        self,
        study_instance_uid: str | None = None,
        fuzzymatching: bool | None = None,
        limit: int | None = None,
        offset: int | None = None,
        fields: Sequence[str] | None = None,
        search_filters: Mapping[str, Any] | None = None,
        get_remaining: bool = False,
        *,
        as_datasets: bool = False,
    ) -> list[Any]:
        """QIDO-RS ``/series`` or ``/studies/{study}/series``."""
        path = f"/studies/{study_instance_uid}/series" if study_instance_uid else "/series"
        return self._search(
            path, fuzzymatching, limit, offset, fields, search_filters, get_remaining, as_datasets
        )

    def search_for_instances(
        self,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        fuzzymatching: bool | None = None,
        limit: int | None = None,
        offset: int | None = None,
        fields: Sequence[str] | None = None,
        search_filters: Mapping[str, Any] | None = None,
        get_remaining: bool = False,
        *,
        as_datasets: bool = False,
    ) -> list[Any]:
        """QIDO-RS ``/instances`` at the top, study or series level."""
        if series_instance_uid and not study_instance_uid:
            raise ValueError("series_instance_uid needs study_instance_uid")
        path = "/instances"
        if study_instance_uid:
            path = f"/studies/{study_instance_uid}"
            if series_instance_uid:
                path += f"/series/{series_instance_uid}"
            path += "/instances"
        return self._search(
            path, fuzzymatching, limit, offset, fields, search_filters, get_remaining, as_datasets
        )

    # -- WADO-RS ----------------------------------------------------------------------------

    def _iter_instance_bytes(
        self, path: str, media_types: Sequence[Any] | None = None
    ) -> Iterator[bytes]:
        """The Part 10 bytes of each instance under a WADO-RS path, as they arrive."""
        for headers, content in self._iter_parts(self._url("wado", path), _accept(media_types)):
            ctype = _part_type(headers.items())
            if ctype and not ctype.lower().startswith(_DICOM):
                raise DICOMwebError(f"expected {_DICOM} parts, got {ctype!r}")
            yield content

    def _iter_instances(
        self, path: str, media_types: Sequence[Any] | None
    ) -> Iterator[_core.Dataset]:
        for content in self._iter_instance_bytes(path, media_types):
            yield _core.dcmread(content)

    def iter_study(
        self, study_instance_uid: str, media_types: Sequence[Any] | None = None
    ) -> Iterator[_core.Dataset]:
        """The instances of a study, one at a time as they arrive."""
        return self._iter_instances(f"/studies/{study_instance_uid}", media_types)

    def retrieve_study(
        self, study_instance_uid: str, media_types: Sequence[Any] | None = None
    ) -> list[_core.Dataset]:
        """WADO-RS: every instance of a study."""
        return list(self.iter_study(study_instance_uid, media_types))

    def iter_series(
        self,
        study_instance_uid: str,
        series_instance_uid: str,
        media_types: Sequence[Any] | None = None,
    ) -> Iterator[_core.Dataset]:
        """The instances of a series, one at a time as they arrive."""
        path = f"/studies/{study_instance_uid}/series/{series_instance_uid}"
        return self._iter_instances(path, media_types)

    def retrieve_series(
        self,
        study_instance_uid: str,
        series_instance_uid: str,
        media_types: Sequence[Any] | None = None,
    ) -> list[_core.Dataset]:
        """WADO-RS: every instance of a series."""
        return list(self.iter_series(study_instance_uid, series_instance_uid, media_types))

    def retrieve_instance(
        self,
        study_instance_uid: str,
        series_instance_uid: str,
        sop_instance_uid: str,
        media_types: Sequence[Any] | None = None,
    ) -> _core.Dataset:
        """WADO-RS: one instance."""
        path = (
            f"/studies/{study_instance_uid}/series/{series_instance_uid}"
            f"/instances/{sop_instance_uid}"
        )
        got = list(self._iter_instances(path, media_types))
        if len(got) != 1:
            raise DICOMwebError(f"expected one instance, got {len(got)}")
        return got[0]

    def iter_instance_frames(
        self,
        study_instance_uid: str,
        series_instance_uid: str,
        sop_instance_uid: str,
        frame_numbers: Sequence[int],
        media_types: Sequence[Any] | None = None,
    ) -> Iterator[bytes]:
        """The frames (numbered from 1) as they arrive: native pixels as bytes, or the
        compressed codestreams when ``media_types`` asks for an image type."""
        frames = ",".join(str(int(n)) for n in frame_numbers)
        path = (
            f"/studies/{study_instance_uid}/series/{series_instance_uid}"
            f"/instances/{sop_instance_uid}/frames/{frames}"
        )
        accept = _accept(media_types, default=_OCTETS)
        for _headers, content in self._iter_parts(self._url("wado", path), accept):
            yield content

    def retrieve_instance_frames(
        self,
        study_instance_uid: str,
        series_instance_uid: str,
        sop_instance_uid: str,
        frame_numbers: Sequence[int],
        media_types: Sequence[Any] | None = None,
    ) -> list[bytes]:
        """WADO-RS: frames of an instance (numbered from 1)."""
        return list(
            self.iter_instance_frames(
                study_instance_uid,
                series_instance_uid,
                sop_instance_uid,
                frame_numbers,
                media_types,
            )
        )

    def retrieve_study_metadata(self, study_instance_uid: str) -> list[dict[str, Any]]:
        """WADO-RS metadata of every instance of a study (DICOM JSON)."""
        return self._get_json(self._url("wado", f"/studies/{study_instance_uid}/metadata"))

    def retrieve_series_metadata(
        self, study_instance_uid: str, series_instance_uid: str
    ) -> list[dict[str, Any]]:
        """WADO-RS metadata of every instance of a series (DICOM JSON)."""
        path = f"/studies/{study_instance_uid}/series/{series_instance_uid}/metadata"
        return self._get_json(self._url("wado", path))

    def retrieve_instance_metadata(
        self, study_instance_uid: str, series_instance_uid: str, sop_instance_uid: str
    ) -> dict[str, Any]:
        """WADO-RS metadata of one instance (DICOM JSON)."""
        path = (
            f"/studies/{study_instance_uid}/series/{series_instance_uid}"
            f"/instances/{sop_instance_uid}/metadata"
        )
        got = self._get_json(self._url("wado", path))
        if len(got) != 1:
            raise DICOMwebError(f"expected the metadata of one instance, got {len(got)}")
        return got[0]

    # -- STOW-RS ----------------------------------------------------------------------------

    def store_instances(
        self, datasets: Iterable[Any], study_instance_uid: str | None = None
    ) -> dict[str, Any]:
        """STOW-RS: stores datasets, Part 10 files (paths) or Part 10 bytes in one request;
        returns the server's answer (DICOM JSON: ReferencedSOPSequence, FailedSOPSequence).
        Raises :class:`HTTPError` when the server refuses the whole request."""
        boundary = f"rs-dicom-{secrets.token_hex(16)}"
        body, length = _stow_body(list(datasets), boundary)
        ctype = f'multipart/related; type="{_DICOM}"; boundary={boundary}'
        path = f"/studies/{study_instance_uid}" if study_instance_uid else "/studies"
        url = self._url("stow", path)
        with self._open("POST", url, _JSON, body, ctype, length) as resp:
            data = resp.read()
        if not data.strip():
            return {}
        try:
            out = json.loads(data)
        except ValueError as exc:
            raise DICOMwebError(f"STOW-RS answer is not JSON ({exc})") from None
        return out if isinstance(out, dict) else {}


def _stow_body(items: list[Any], boundary: str) -> tuple[Iterator[bytes], int]:
    """A STOW-RS body sent piece by piece (files are read one at a time while sending, never
    all held), and its length: the Content-Length that lets urllib send an iterable."""
    if not items:
        raise ValueError("no instances to store")
    sizes: list[int] = []
    held: list[bytes | None] = []
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            sizes.append(os.path.getsize(item))
            held.append(None)
        else:
            data = _part10(item)
            sizes.append(len(data))
            held.append(data)
    heads = [_core.web_multipart_head(boundary, _DICOM, i == 0) for i in range(len(items))]
    tail = f"\r\n--{boundary}--\r\n".encode()
    delimiter = f"\r\n--{boundary}".encode()

    def pieces() -> Iterator[bytes]:
        for item, size, data, head in zip(items, sizes, held, heads, strict=True):
            content = data if data is not None else _part10(item)
            if len(content) != size:
                raise DICOMwebError(f"{item}: changed size while being sent")
            if delimiter in content:
                raise DICOMwebError(f"{item}: holds the multipart boundary (send it again)")
            yield head
            yield content
        yield tail

    return pieces(), sum(sizes) + sum(len(h) for h in heads) + len(tail)


def _part10(item: Any) -> bytes:
    if isinstance(item, (bytes, bytearray, memoryview)):
        return bytes(item)
    if isinstance(item, (str, os.PathLike)):
        with open(item, "rb") as f:
            return f.read()
    buf = io.BytesIO()
    item.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _accept(media_types: Sequence[Any] | None, default: str = _DICOM) -> str:
    """``multipart/related; type="..."`` for each media type, as dicomweb-client takes them:
    a string or a ``(media type, transfer syntax UID)`` tuple."""
    if not media_types:
        return f'multipart/related; type="{default}"'
    out = []
    for m in media_types:
        if isinstance(m, str):
            out.append(f'multipart/related; type="{m}"')
        else:
            media, *ts = m
            part = f'multipart/related; type="{media}"'
            if ts and ts[0]:
                part += f"; transfer-syntax={ts[0]}"
            out.append(part)
    return ", ".join(out)


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    """QIDO-RS parameters: keywords or tags as given, lists as comma-separated values
    (PS3.18 UID list matching), booleans and numbers as text."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if k == "includefield" and isinstance(v, list):
            out[k] = v
        elif isinstance(v, (list, tuple)):
            out[k] = ",".join(str(x) for x in v)
        else:
            out[k] = str(v)
    return out
