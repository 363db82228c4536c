"""Bad input gives a DicomError naming the byte offset — never a crash, hang or huge allocation.

Real files from the pydicom corpus are truncated at every offset, and every element header
has its length and VR fields corrupted; each variant must either parse (with every value
decodable) or raise DicomError.
"""

from __future__ import annotations

import resource
import struct

import pytest

pydicom = pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from pydicom.data import get_charset_files, get_testdata_file  # noqa: E402

FILES = [
    "CT_small.dcm",  # explicit VR LE, private tags
    "rtplan.dcm",  # nested sequences
    "MR_small_implicit.dcm",  # implicit VR
    "MR_small_bigendian.dcm",  # explicit VR BE
    "image_dfl.dcm",  # deflated
    "SC_rgb_jpeg_dcmtk.dcm",  # encapsulated pixel data
    "chrSQEncoding.dcm",  # character sets in sequences
]


def path_of(name: str) -> str:
    found = get_testdata_file(name) or next(iter(get_charset_files(name)), None)
    assert found, name
    return str(found)


def walk(ds: rs_dicom.Dataset) -> int:
    n = 0
    for elem in ds:
        n += 1
        value = elem.value
        _ = (elem.vm, elem.name, elem.keyword, elem.raw, elem.length)
        if elem.vr == "SQ":
            for item in value:
                n += walk(item)
    return n


def read_or_error(data: bytes, **kw: bool) -> None:
    try:
        ds = rs_dicom.dcmread(data, **kw)
    except rs_dicom.DicomError as exc:
        msg = str(exc)
        assert "byte offset" in msg or "DICM" in msg or "transfer syntax" in msg, msg
        return
    walk(ds)
    if ds.file_meta is not None:
        walk(ds.file_meta)
    try:
        px = ds.pixel_data
    except rs_dicom.DicomError as exc:
        assert "byte offset" in str(exc), str(exc)
        return
    if px is not None:
        for i in range(min(px.frames, 4)):
            try:
                px.frame_bytes(i)
            except (rs_dicom.DicomError, IndexError):
                pass


@pytest.fixture(scope="module", autouse=True)
def memory_cap():
    """A length field is a claim: no variant may allocate gigabytes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = 4 * 1024**3
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("name", FILES)
def test_truncated_at_every_offset(name: str) -> None:
    data = open(path_of(name), "rb").read()
    # Every offset in the header region, then a stride through big pixel data.
    offsets = list(range(0, min(len(data), 8192)))
    offsets += list(range(8192, len(data), 97))
    for cut in offsets:
        read_or_error(data[:cut])
        read_or_error(data[:cut], force=True)
        read_or_error(data[:cut], stop_before_pixels=True)


def header_offsets(ds: rs_dicom.Dataset) -> list[tuple[int, str]]:
    out = []
    for elem in ds:
        out.append((elem.offset, elem.vr))
        if elem.vr == "SQ":
            for item in elem.value:
                out.extend(header_offsets(item))
    return out


@pytest.mark.parametrize("name", FILES)
def test_corrupted_lengths_and_vrs(name: str) -> None:
    data = open(path_of(name), "rb").read()
    ds = rs_dicom.dcmread(data)
    if ds.transfer_syntax_uid == "1.2.840.10008.1.2.1.99":
        pytest.skip("deflated: element offsets are in the inflated stream")
    explicit = not ds.is_implicit_vr
    big = not ds.is_little_endian
    headers = header_offsets(ds) + header_offsets(ds.file_meta)
    lengths = [0, 1, 3, 0x7FFF, 0xFFFE, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFF0, 0xFFFFFFFF]
    for offset, vr in headers:
        long = vr in {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
        meta = offset < 132 + 4096 and data[offset : offset + 2] == b"\x02\x00"
        fmt = "<" if (meta or not big) else ">"
        for value in lengths:
            buf = bytearray(data)
            if explicit or meta:
                if long:
                    struct.pack_into(fmt + "I", buf, offset + 8, value)
                else:
                    struct.pack_into(fmt + "H", buf, offset + 6, value & 0xFFFF)
            else:
                struct.pack_into(fmt + "I", buf, offset + 4, value)
            read_or_error(bytes(buf))
        if explicit or meta:
            for bad_vr in (b"ZZ", b"\x00\x00", b"SQ", b"UN", b"OB", b"US", b"ox"):
                buf = bytearray(data)
                buf[offset + 4 : offset + 6] = bad_vr
                read_or_error(bytes(buf))


def test_deep_nesting_is_refused() -> None:
    # 200 nested undefined-length sequences: refused with MalformedError, not a stack overflow.
    body = b""
    for _ in range(200):
        body += struct.pack("<HH2sHI", 0x0008, 0x1115, b"SQ", 0, 0xFFFFFFFF)
        body += struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    with pytest.raises(rs_dicom.MalformedError, match="nested"):
        rs_dicom.dcmread(body, force=True)


def test_huge_length_claim_is_not_allocated() -> None:
    elem = struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, 0xFFFFFFF0) + b"\x00" * 16
    with pytest.raises(rs_dicom.TruncatedError, match=r"4294967280 bytes .* byte offset 12"):
        rs_dicom.dcmread(elem, force=True)


def test_error_names_offset_and_tag_path() -> None:
    data = open(path_of("rtplan.dcm"), "rb").read()
    ds = rs_dicom.dcmread(data)
    item = ds["BeamSequence"].value[0]["ControlPointSequence"].value[0]
    first = next(iter(item))
    buf = bytearray(data)
    if ds.is_implicit_vr:
        struct.pack_into("<I", buf, first.offset + 4, 0xFFFF)  # 32-bit length field
    else:
        struct.pack_into("<H", buf, first.offset + 6, 0xFFFF)  # 16-bit length field
    with pytest.raises(rs_dicom.MalformedError) as info:
        rs_dicom.dcmread(bytes(buf))
    msg = str(info.value)
    expected_path = f"(300A,00B0)[0].(300A,0111)[0].{first.tag}"
    assert f"byte offset {first.offset + 8}" in msg, msg
    assert expected_path in msg, msg
    assert info.value.offset == first.offset + 8
    assert info.value.tag_path == expected_path


def test_compressed_size_claims_are_not_allocated(tmp_path) -> None:
    """Rows x Columns x frames claiming ~25 GB from a few hundred encoded bytes is refused."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import RLELossless, generate_uid

    pds = pydicom.Dataset()
    pds.file_meta = FileMetaDataset()
    pds.file_meta.TransferSyntaxUID = RLELossless
    pds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    pds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    pds.Rows = pds.Columns = 65535
    pds.NumberOfFrames = 3
    pds.SamplesPerPixel, pds.PhotometricInterpretation = 1, "MONOCHROME2"
    pds.BitsAllocated, pds.BitsStored, pds.HighBit, pds.PixelRepresentation = 16, 16, 15, 0
    header = struct.pack("<16I", 2, 64, 100, *([0] * 13))
    pds.PixelData = encapsulate([header + bytes(72)] * 3, has_bot=True)
    path = tmp_path / "claims.dcm"
    pds.save_as(path, enforce_file_format=True)
    ds = rs_dicom.dcmread(path)
    assert ds.pixel_data is ds.pixel_data  # described once, then cached
    with pytest.raises(rs_dicom.MalformedError, match="do not match the data"):
        _ = ds.pixel_array
    with pytest.raises(rs_dicom.MalformedError, match="do not match the data"):
        ds.pixel_data.frame(1)
