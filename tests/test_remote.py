"""Reading from URLs: the push parser against the file reader, and fsspec reads from a local
HTTP server with Range support and from moto's S3-compatible server, counting bytes served.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rs_dicom
from conformance import corpus_files
from remote_support import Served, http_server, moto_s3, s3_bucket
from rs_dicom import _core
from rs_dicom.remote import FIRST_REQUEST, GROWTH

pytest.importorskip("fsspec")
pytest.importorskip("aiohttp")

ROOT = Path(__file__).resolve().parent.parent


def tree(ds: Any) -> list[Any]:
    """Every element (tag, VR, length, offset, value bytes), items included."""
    out: list[Any] = []
    for e in ds:
        head = (int(e.tag), e.vr, e.length, e.offset)
        if e.vr == "SQ":
            out.append((head, [tree(item) for item in e.value]))
        else:
            try:
                raw = bytes(e.raw)
            except Exception as exc:  # encapsulated or truncated values
                raw = type(exc).__name__
            out.append((head, raw))
    return out


def read_tree(src: Any, **kw: Any) -> Any:
    try:
        ds = _core.dcmread(src, **kw)
    except rs_dicom.DicomError as e:
        return ("error", str(e))
    return (tree(ds.file_meta), tree(ds))


def push_tree(data: bytes, rng: random.Random, **kw: Any) -> tuple[Any, int]:
    """Feeds `data` in random chunks; returns the tree and how many bytes were taken."""
    p = _core.PushParser(**kw)
    at = 0
    while p.need:
        if at == len(data):
            p.finish()
            break
        take = min(1 + rng.randrange(2 * max(p.need, 64)), len(data) - at)
        p.feed(data[at : at + take])
        at += take
    try:
        ds = p.dataset()
    except rs_dicom.DicomError as e:
        return ("error", str(e)), at
    return (tree(ds.file_meta), tree(ds)), at


CORPUS = corpus_files()


def test_push_parser_gives_the_file_readers_dataset_on_every_corpus_file() -> None:
    rng = random.Random(15)
    early = 0
    for path in CORPUS:
        data = path.read_bytes()
        for stop in (True, False):
            want = read_tree(data, stop_before_pixels=stop)
            got, taken = push_tree(data, rng, stop_before_pixels=stop)
            assert got == want, f"{path.name} stop_before_pixels={stop}"
            early += stop and taken < len(data) // 2
    # Most corpus images are mostly pixels: the header needs a fraction of the file.
    assert early > len(CORPUS) // 4


# ---------------------------------------------------------------------------------------------
# Servers


@pytest.fixture(scope="module")
def http() -> Iterator[tuple[str, Served]]:
    with http_server() as server:
        yield server


def local_pixels(data: bytes) -> Any:
    try:
        return _core.dcmread(data).pixel_array
    except Exception:
        return None


def test_http_headers_equal_local_reads(http: tuple[str, Served]) -> None:
    base, served = http
    checked = 0
    for path in CORPUS:
        data = path.read_bytes()
        name = f"corpus/{path.name}"
        served.files[name] = data
        want = read_tree(data, stop_before_pixels=True)
        try:
            ds = rs_dicom.dcmread(f"{base}/{name}", stop_before_pixels=True)
        except rs_dicom.DicomError as e:
            assert want == ("error", str(e)), path.name
            continue
        assert (tree(ds.file_meta), tree(ds)) == want, path.name
        checked += 1
    assert checked > 100


def test_http_pixels_and_frames_equal_local_reads(http: tuple[str, Served]) -> None:
    base, served = http
    checked = 0
    for path in CORPUS:
        data = path.read_bytes()
        want = local_pixels(data)
        if want is None:
            continue
        name = f"px/{path.name}"
        served.files[name] = data
        ds = rs_dicom.dcmread(f"{base}/{name}")
        np.testing.assert_array_equal(ds.pixel_array, want, err_msg=path.name)
        local = _core.dcmread(data).pixel_data
        px = ds.pixel_data
        assert px is not None and px.frames == local.frames, path.name
        for i in sorted({0, local.frames - 1}):
            np.testing.assert_array_equal(px.frame(i), local.frame(i), err_msg=path.name)
        checked += 1
    assert checked > 50


# ---------------------------------------------------------------------------------------------
# A large multi-frame: native, and RLE with each kind of frame index


FRAMES = 40


def multiframe_native() -> bytes:
    import io

    ds = rs_dicom.dcmread(ROOT / "examples" / "sample_ct.dcm")
    rng = np.random.default_rng(15)
    arr = rng.integers(0, 4000, size=(FRAMES, 256, 256), dtype=np.uint16)
    ds.set_pixel_data(arr, "MONOCHROME2", 12)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def rle_variants(native: bytes) -> dict[str, bytes]:
    """The same RLE frames with a Basic Offset Table, none, an Extended Offset Table, and
    two fragments per frame without a table (pydicom's encapsulation)."""
    import io

    pydicom = pytest.importorskip("pydicom")
    from pydicom.encaps import encapsulate, encapsulate_extended, generate_frames

    ds = rs_dicom.dcmread(native)
    ds.compress("1.2.840.10008.1.2.5")
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    pds = pydicom.dcmread(io.BytesIO(buf.getvalue()))
    frames = list(generate_frames(pds.PixelData, number_of_frames=FRAMES))
    out: dict[str, bytes] = {}
    for name in ("bot", "nobot", "eot", "split"):
        p = pydicom.dcmread(io.BytesIO(buf.getvalue()))
        if name == "eot":
            p.PixelData, p.ExtendedOffsetTable, p.ExtendedOffsetTableLengths = encapsulate_extended(
                frames
            )
        elif name == "split":
            halves = []
            for f in frames:
                halves.append(f)
            p.PixelData = encapsulate(halves, fragments_per_frame=2, has_bot=False)
        else:
            p.PixelData = encapsulate(frames, has_bot=name == "bot")
        b = io.BytesIO()
        p.save_as(b, enforce_file_format=True)
        out[name] = b.getvalue()
    return out


def header_size(data: bytes) -> int:
    p = _core.PushParser(stop_before_pixels=True)
    p.feed(data)
    loc = p.pixel_location
    assert loc is not None
    return int(loc[1])


@pytest.mark.parametrize("private_kb", [0, 6, 20, 100])
def test_header_requests_grow_geometrically(http: tuple[str, Served], private_kb: int) -> None:
    """Headers of 2 KB to 100 KB: round trips and bytes fetched as the growth promises."""
    from rs_dicom.remote import _read_header, _Remote

    base, served = http
    ds = rs_dicom.dcmread(ROOT / "examples" / "sample_ct.dcm")
    # Many small elements, so that the parser needs only a little more at each step.
    for i in range(private_kb * 1024 // 400):
        ds.add_new(0x00291000 + i, "OB", bytes(400))
    buf = __import__("io").BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    data = buf.getvalue()
    head = header_size(data)
    served.files[f"grow/{private_kb}.dcm"] = data
    remote = _Remote(f"{base}/grow/{private_kb}.dcm", None)
    parser = _read_header(remote, force=False)
    assert parser.dataset().SOPInstanceUID == ds.SOPInstanceUID
    # The fewest requests of sizes FIRST_REQUEST * GROWTH**k that cover the header.
    covered, want = 0, 0
    while covered < head:
        covered += FIRST_REQUEST * GROWTH**want
        want += 1
    assert remote.requests == want, (head, remote.requests)
    assert remote.fetched == min(covered, len(data)), (head, remote.fetched)


def test_header_and_one_frame_fetch_only_their_bytes(http: tuple[str, Served]) -> None:
    base, served = http
    native = multiframe_native()
    files = {"native": native, **rle_variants(native)}
    local = _core.dcmread(native).pixel_array
    for kind, data in files.items():
        served.files[f"mf/{kind}.dcm"] = data
        url = f"{base}/mf/{kind}.dcm"
        head = header_size(data)
        served.reset()
        ds = rs_dicom.dcmread(url)
        header_bytes = served.sent
        # One first request holds the header: a few kilobytes beyond it, never the pixels.
        assert head <= FIRST_REQUEST and header_bytes == FIRST_REQUEST, (kind, header_bytes)
        assert header_bytes - head < 8 * 1024, (kind, header_bytes, head)
        assert header_bytes < len(data) // 20, kind
        assert tree(ds) == tree(_core.dcmread(data, stop_before_pixels=True)), kind
        px = ds.pixel_data
        assert px is not None and px.frames == FRAMES
        for i in (0, FRAMES // 2, FRAMES - 1):
            # Fresh locator each time: the offsets are counted with the frame.
            ds = rs_dicom.dcmread(url)
            served.reset()
            got = ds.pixel_data.frame(i)
            sent = served.sent
            np.testing.assert_array_equal(got, local[i], err_msg=f"{kind} frame {i}")
            p = _core.PushParser(stop_before_pixels=True)
            p.feed(data)
            loc = p.locator(len(data))
            while (w := loc.wanted()) is not None:
                loc.supply(w[0], data[w[0] : w[0] + max(w[1], 8)])
            start, end = loc.frame_range(i)
            frame_bytes = end - start
            if kind == "native":
                assert sent == frame_bytes == 256 * 256 * 2, (kind, i, sent)
            else:
                # The frame, and the offsets: the offset table, or the item headers (72
                # bytes each) the walk reads.
                offsets = 8 + 4 * FRAMES + 72 * (2 * FRAMES + 1)
                assert frame_bytes <= sent <= frame_bytes + offsets, (kind, i, sent)
                if kind in ("bot", "eot"):
                    assert sent <= frame_bytes + 8 + 4 * FRAMES + 72 * 2, (kind, i, sent)
        np.testing.assert_array_equal(rs_dicom.dcmread(url).pixel_array, local, err_msg=kind)


# ---------------------------------------------------------------------------------------------
# Errors


def test_missing_file_is_a_clear_oserror(http: tuple[str, Served]) -> None:
    base, _ = http
    with pytest.raises(FileNotFoundError, match="no-such-file"):
        rs_dicom.dcmread(f"{base}/no-such-file.dcm")


def test_truncated_header_is_a_dicom_error(http: tuple[str, Served]) -> None:
    base, served = http
    data = (ROOT / "examples" / "sample_ct.dcm").read_bytes()
    served.files["cut/header.dcm"] = data[:300]
    with pytest.raises(rs_dicom.DicomError, match="byte offset"):
        rs_dicom.dcmread(f"{base}/cut/header.dcm")


def test_truncated_pixels_fail_when_the_frame_is_read(http: tuple[str, Served]) -> None:
    base, served = http
    native = multiframe_native()
    served.files["cut/pixels.dcm"] = native[: len(native) // 2]
    ds = rs_dicom.dcmread(f"{base}/cut/pixels.dcm")
    np.testing.assert_array_equal(ds.pixel_data.frame(0), _core.dcmread(native).pixel_data.frame(0))
    with pytest.raises(rs_dicom.DicomError):
        ds.pixel_data.frame(FRAMES - 1)


def test_dropped_connection_is_an_oserror(http: tuple[str, Served]) -> None:
    base, served = http
    served.files["drop/x.dcm"] = (ROOT / "examples" / "sample_ct.dcm").read_bytes()
    with pytest.raises(OSError, match="drop/x.dcm"):
        rs_dicom.dcmread(f"{base}/drop/x.dcm")


def test_plain_paths_and_bytes_still_read_locally() -> None:
    path = ROOT / "examples" / "sample_ct.dcm"
    assert tree(rs_dicom.dcmread(str(path))) == tree(_core.dcmread(path))
    assert tree(rs_dicom.dcmread(path.read_bytes())) == tree(_core.dcmread(path))


# ---------------------------------------------------------------------------------------------
# S3 (moto's server)


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    with moto_s3() as options:
        yield options


def test_s3_headers_and_frames_equal_local_reads(s3: dict[str, Any]) -> None:
    fs = s3_bucket(s3, "dicom")
    native = multiframe_native()
    files = {"mf.dcm": native, "ct.dcm": (ROOT / "examples" / "sample_ct.dcm").read_bytes()}
    for path in CORPUS[:: max(1, len(CORPUS) // 15)]:
        files[path.name] = path.read_bytes()
    for name, data in files.items():
        fs.pipe(f"dicom/{name}", data)
    fs.invalidate_cache()
    for name, data in files.items():
        url = f"s3://dicom/{name}"
        want = read_tree(data, stop_before_pixels=True)
        try:
            ds = rs_dicom.dcmread(url, stop_before_pixels=True, storage_options=s3)
        except rs_dicom.DicomError as e:
            assert want == ("error", str(e)), name
            continue
        assert (tree(ds.file_meta), tree(ds)) == want, name
        pixels = local_pixels(data)
        if pixels is not None:
            remote = rs_dicom.dcmread(url, storage_options=s3)
            np.testing.assert_array_equal(remote.pixel_array, pixels, err_msg=name)
    ds = rs_dicom.dcmread("s3://dicom/mf.dcm", storage_options=s3)
    np.testing.assert_array_equal(ds.pixel_data.frame(7), _core.dcmread(native).pixel_data.frame(7))
    assert ds.bytes_fetched < len(native) // 10


def test_truncated_encapsulated_pixels_fail_without_hanging(http: tuple[str, Served]) -> None:
    import io

    base, served = http
    ds = rs_dicom.dcmread(multiframe_native())
    ds.compress("1.2.840.10008.1.2.5")
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    rle = buf.getvalue()
    local = _core.dcmread(rle).pixel_data
    head = header_size(rle)
    served.files["cut/rle_half.dcm"] = rle[: len(rle) // 2]
    served.files["cut/rle_table.dcm"] = rle[: head + 12 + 8]
    half = rs_dicom.dcmread(f"{base}/cut/rle_half.dcm")
    np.testing.assert_array_equal(half.pixel_data.frame(0), local.frame(0))
    with pytest.raises(rs_dicom.DicomError):
        half.pixel_data.frame(FRAMES - 1)
    table = rs_dicom.dcmread(f"{base}/cut/rle_table.dcm")
    with pytest.raises(rs_dicom.DicomError, match="byte offset"):
        table.pixel_data.frame(0)
