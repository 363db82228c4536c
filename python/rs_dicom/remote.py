"""Reading DICOM from any fsspec store (``https://``, ``s3://``, ``gs://``, ...) by byte ranges.

The header is read with range requests that grow geometrically (8 KiB, 32 KiB, 128 KiB, ...)
until the core's push parser has it whole; pixel frames are fetched only when asked for, each
by exactly its byte range (the core computes the ranges from the native layout, the Extended or
Basic Offset Table, or a walk of the fragment item headers). fsspec is imported only here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from rs_dicom import _core

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")

#: First header request. 8 KiB holds 96% of the headers of the test corpus (pydicom's and
#: pydicom-data's files: median 1.7 KB, 90th percentile 4.1 KB) in one round trip; 4 KiB would
#: cost a second round trip for 10% of them, 16 KiB fetches twice the bytes beyond the header
#: (a 2 KB header: 6 KB beyond instead of 14 KB). See benchmarks/results_remote.md.
FIRST_REQUEST = 8 * 1024

#: Each further request is this many times the one before (or what the parser needs, if
#: more): a 100 KB header takes 3 round trips (8 + 32 + 128 KiB), as many as doubling from
#: 16 KiB would.
GROWTH = 4


def is_url(src: object) -> bool:
    """True when ``src`` is a string with a URL scheme (``https://``, ``s3://``, ...)."""
    return isinstance(src, str) and _URL.match(src) is not None


def _filesystem(url: str, storage_options: dict[str, Any] | None) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading DICOM from a URL needs fsspec: pip install 'rs-dicom[remote]' "
            "(and s3fs for s3://, gcsfs for gs://)"
        ) from e
    return fsspec.core.url_to_fs(url, **(storage_options or {}))


class _Remote:
    """One remote file: its size and byte-range reads, with the bytes fetched counted."""

    def __init__(
        self, url: str, storage_options: dict[str, Any] | None, *, size: int | None = None
    ) -> None:
        self.url = url
        self.fs, self.path = _filesystem(url, storage_options)
        self.fetched = 0
        self.requests = 0
        if size is not None:
            # Known from a listing: no request for it.
            self.size: int | None = size
            return
        try:
            size = self.fs.size(self.path)
        except FileNotFoundError as e:
            raise FileNotFoundError(f"{url}: no such file ({e})") from e
        except Exception as e:
            raise OSError(f"{url}: cannot get the file size: {e}") from e
        self.size = None if size is None else int(size)

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start..end`` (fewer at the end of the file)."""
        if self.size is not None:
            end = min(end, self.size)
        if end <= start:
            return b""
        try:
            data = self.fs.cat_file(self.path, start=start, end=end)
        except FileNotFoundError as e:
            raise FileNotFoundError(f"{self.url}: no such file ({e})") from e
        except Exception as e:
            raise OSError(f"{self.url}: reading bytes {start}..{end} failed: {e}") from e
        self.requests += 1
        self.fetched += len(data)
        if len(data) > end - start:
            raise OSError(
                f"{self.url}: asked for bytes {start}..{end} and got {len(data)} bytes: "
                "the server does not honour range requests"
            )
        return bytes(data)

    def read_exact(self, start: int, end: int) -> bytes:
        data = self.read(start, end)
        if len(data) != end - start:
            raise _core.TruncatedError(
                f"{self.url}: bytes {start}..{end} asked for, {len(data)} received (byte offset "
                f"{start + len(data)}): the file or the connection ended early"
            )
        return data


def _read_header(
    remote: _Remote, *, force: bool, sink: Callable[[bytes], Any] | None = None
) -> _core.PushParser:
    """The header pushed through the parser; ``sink`` also gets each chunk fetched."""
    parser = _core.PushParser(stop_before_pixels=True, force=force)
    pos = 0
    request = FIRST_REQUEST
    while parser.need:
        if remote.size is not None and pos >= remote.size:
            parser.finish()
            break
        data = remote.read(pos, pos + max(parser.need, request))
        if not data:
            parser.finish()
            break
        if sink is not None:
            sink(data)
        parser.feed(data)
        pos += len(data)
        request *= GROWTH
    return parser


class RemotePixelData:
    """The pixel data of a remote file: frames fetched one by one, by their byte ranges."""

    def __init__(self, ds: RemoteDataset, locator: _core.FrameLocator) -> None:
        self._ds = ds
        self._locator = locator
        self._whole: _core.Dataset | None = None
        self._first: Any = None

    @property
    def frames(self) -> int:
        """Number of frames."""
        return int(self._locator.frames)

    @property
    def rows(self) -> int:
        """Rows."""
        return int(self._ds._header.Rows)

    @property
    def columns(self) -> int:
        """Columns."""
        return int(self._ds._header.Columns)

    @property
    def samples_per_pixel(self) -> int:
        """Samples per Pixel."""
        return int(self._ds._header.get("SamplesPerPixel", None) or 1)

    def _locate(self) -> None:
        remote = self._ds._remote
        while (want := self._locator.wanted()) is not None:
            offset, length = want
            data = remote.read(offset, offset + max(length, 8))
            self._locator.supply(offset, data)
            if self._locator.wanted() == want:
                raise _core.TruncatedError(
                    f"{remote.url}: the file ends at byte offset {offset + len(data)} inside "
                    "the encapsulated pixel data (tag path (7FE0,0010)), before the frames' "
                    "offsets could be read"
                )

    def _frame_dataset(self, i: int) -> _core.Dataset | None:
        """A one-frame dataset holding frame ``i``, or None when the whole value is needed."""
        self._locate()
        span = self._locator.frame_range(i)
        if span is None:
            return None
        data = self._ds._remote.read_exact(*span)
        return _core.dcmread(self._locator.frame_file(data))

    def whole(self) -> _core.Dataset:
        """The whole file, read once (for ``pixel_array`` of every frame)."""
        if self._whole is None:
            remote = self._ds._remote
            header = self._locator.header()
            if remote.size is None:
                rest = remote.read(len(header), 1 << 62)
            else:
                rest = remote.read_exact(len(header), remote.size)
            self._whole = _core.dcmread(header + rest)
        return self._whole

    def frame(self, i: int, *, as_rgb: bool = True) -> Any:
        """Frame ``i`` as a numpy array, fetching only its bytes."""
        if i < 0:
            i += self.frames
        if not 0 <= i < self.frames:
            raise IndexError(f"frame index {i} out of range ({self.frames} frames)")
        one = self._frame_dataset(i)
        if one is None:
            one = self.whole()
        else:
            i = 0
        px = one.pixel_data
        if px is None:  # pragma: no cover - the locator found pixel data
            raise _core.DicomError(f"{self._ds.url}: no pixel data")
        return px.frame(i, as_rgb=as_rgb)

    def __iter__(self) -> Iterator[Any]:
        return (self.frame(i) for i in range(self.frames))

    def __len__(self) -> int:
        return self.frames

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = self.whole().pixel_array
        return arr if dtype is None else arr.astype(dtype)


class RemoteDataset:
    """A dataset read from a URL: the header is here, pixel frames are fetched on demand.

    Everything but pixel access is the header :class:`rs_dicom.Dataset` (read as with
    ``stop_before_pixels=True``); ``pixel_array`` reads the pixel data whole, ``pixel_data``
    gives frames one by one, each fetched by its byte range.
    """

    def __init__(self, header: _core.Dataset, remote: _Remote, parser: _core.PushParser) -> None:
        object.__setattr__(self, "_header", header)
        object.__setattr__(self, "_remote", remote)
        size = remote.size if remote.size is not None else parser.buffered
        locator = parser.locator(size)
        pixels = None if locator is None else RemotePixelData(self, locator)
        object.__setattr__(self, "_pixels", pixels)

    @property
    def url(self) -> str:
        """The URL read."""
        return str(self._remote.url)

    @property
    def bytes_fetched(self) -> int:
        """Bytes fetched from the store so far (header and frames)."""
        return int(self._remote.fetched)

    @property
    def header(self) -> _core.Dataset:
        """The header dataset (everything before the pixel data)."""
        return self._header

    @property
    def pixel_data(self) -> RemotePixelData | None:
        """Frames fetched on demand (None when the file has no pixel data)."""
        return self._pixels

    @property
    def pixel_array(self) -> Any:
        """All frames, as ``rs_dicom.dcmread(path).pixel_array`` gives them."""
        if self._pixels is None:
            return self._header.pixel_array
        return self._pixels.whole().pixel_array

    def __getattr__(self, name: str) -> Any:
        return getattr(self._header, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._header, name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._header[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._header

    def __iter__(self) -> Iterator[Any]:
        return iter(self._header)

    def __len__(self) -> int:
        return len(self._header)

    def __repr__(self) -> str:
        return f"<RemoteDataset {self._remote.url}>\n{self._header!r}"


def open_url(
    url: str,
    *,
    stop_before_pixels: bool = False,
    force: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> Any:
    """Reads the DICOM file at ``url`` (any fsspec URL) by byte ranges.

    With ``stop_before_pixels`` the header :class:`rs_dicom.Dataset` is returned; otherwise a
    :class:`RemoteDataset` whose frames are fetched when used. Deflated files, and files
    whose pixel data cannot be located, are read whole.
    """
    remote = _Remote(url, storage_options)
    parser = _read_header(remote, force=force)
    if stop_before_pixels:
        return parser.dataset(url)
    if parser.deflated or parser.pixel_location is None:
        # No pixel data to defer (or none that can be reached by offset): the header read
        # already holds the whole file, or the rest is read now.
        if remote.size is not None and parser.buffered < remote.size:
            rest = remote.read_exact(parser.buffered, remote.size)
            return _core.dcmread(parser.getvalue() + rest, force=force)
        return _core.dcmread(parser.getvalue(), force=force)
    return RemoteDataset(parser.dataset(url), remote, parser)
