#!/usr/bin/env python3
"""Writes ``examples/sample_ct.dcm``, the small CT-like sample file the repository ships.

The file is written byte by byte with :mod:`struct` (no pydicom, no numpy), so it documents
the Part 10 layout it produces and is deterministic: the same bytes on every run and platform.

Layout: 128-byte preamble, ``DICM``, File Meta Information (Explicit VR Little Endian, with
its group length), then an Explicit VR Little Endian dataset with

- patient / study / series / image headers with fake values; Specific Character Set
  ``ISO_IR 100`` and a Latin-1 patient name (``Müller^Jürgen``);
- multi-valued CS / DS / IS / LO values, window center / width, rescale slope / intercept;
- ReferencedImageSequence (undefined length, two undefined-length items) and
  AnatomicRegionSequence (defined length) whose item nests AnatomicRegionModifierSequence;
- a private creator ``RS_DICOM SAMPLE`` in group 0009 with LO, US, DS and OB private elements;
- 64 x 64 signed 16-bit pixels of a synthetic head phantom (air, skull, brain, ventricles,
  a small lesion), Rescale Intercept -1024 so stored values are positive.

Usage::

    python scripts/make_sample.py               # writes examples/sample_ct.dcm
    python scripts/make_sample.py -o out.dcm    # writes elsewhere
    python scripts/make_sample.py --check       # also compares rs_dicom and pydicom readings
"""

from __future__ import annotations

import argparse
import struct
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "examples" / "sample_ct.dcm"

UNDEFINED = 0xFFFFFFFF
# VRs whose explicit VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
LONG_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}
# Text VRs padded with NUL instead of space.
NUL_PADDED = {"UI"}

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
ROWS = COLUMNS = 64


def make_uid(name: str) -> str:
    """A deterministic UUID-derived UID (PS3.5 B.2: ``2.25.<uuid as integer>``)."""
    return "2.25." + str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://rs-dicom.invalid/{name}").int)


STUDY_UID = make_uid("sample_ct/study")
SERIES_UID = make_uid("sample_ct/series")
SOP_INSTANCE_UID = make_uid("sample_ct/instance/7")
FRAME_OF_REFERENCE_UID = make_uid("sample_ct/frame-of-reference")
IMPLEMENTATION_UID = make_uid("rs_dicom/implementation")


def pad(value: bytes, vr: str) -> bytes:
    """Pads a text value to even length as PS3.5 6.2 requires (UI with NUL, others space)."""
    if len(value) % 2:
        value += b"\0" if vr in NUL_PADDED else b" "
    return value


def element(group: int, elem: int, vr: str, value: bytes, *, length: int | None = None) -> bytes:
    """One Explicit VR Little Endian element; ``length`` overrides the length field."""
    if vr in LONG_VRS:
        header = struct.pack(
            "<HH2s2xI", group, elem, vr.encode(), len(value) if length is None else length
        )
    else:
        header = struct.pack("<HH2sH", group, elem, vr.encode(), len(value))
    return header + value


def text(group: int, elem: int, vr: str, *values: str, encoding: str = "ascii") -> bytes:
    """A text element; several values are joined with the DICOM separator ``\\``."""
    return element(group, elem, vr, pad("\\".join(values).encode(encoding), vr))


def us(group: int, elem: int, *values: int) -> bytes:
    """A US element."""
    return element(group, elem, "US", struct.pack(f"<{len(values)}H", *values))


def ul(group: int, elem: int, *values: int) -> bytes:
    """A UL element."""
    return element(group, elem, "UL", struct.pack(f"<{len(values)}I", *values))


def item(content: bytes, *, undefined: bool = False) -> bytes:
    """A sequence item (FFFE,E000), with an item delimiter when of undefined length."""
    if undefined:
        return struct.pack("<HHI", 0xFFFE, 0xE000, UNDEFINED) + content + _delimiter(0xE00D)
    return struct.pack("<HHI", 0xFFFE, 0xE000, len(content)) + content


def _delimiter(elem: int) -> bytes:
    return struct.pack("<HHI", 0xFFFE, elem, 0)


def sequence(group: int, elem: int, items: Iterable[bytes], *, undefined: bool = False) -> bytes:
    """An SQ element holding already encoded items."""
    content = b"".join(items)
    if undefined:
        return element(group, elem, "SQ", content + _delimiter(0xE0DD), length=UNDEFINED)
    return element(group, elem, "SQ", content)


def code_item(value: str, scheme: str, meaning: str, *nested: bytes) -> bytes:
    """The content of a code sequence item (CodeValue, CodingSchemeDesignator, CodeMeaning)."""
    return (
        text(0x0008, 0x0100, "SH", value)
        + text(0x0008, 0x0102, "SH", scheme)
        + text(0x0008, 0x0104, "LO", meaning)
        + b"".join(nested)
    )


def inside(x: int, y: int, a: int, b: int) -> bool:
    """Whether (x, y) lies in the ellipse with semi-axes a (x) and b (y), in integers."""
    return x * x * b * b + y * y * a * a <= a * a * b * b


def phantom() -> list[int]:
    """Stored pixel values (HU + 1024) of a synthetic axial head slice, row by row."""
    air, bone, brain, csf, lesion = -1000, 1200, 40, 5, 75
    pixels = []
    for row in range(ROWS):
        for col in range(COLUMNS):
            # Integer coordinates relative to the centre, in half pixels.
            x, y = 2 * col - (COLUMNS - 1), 2 * row - (ROWS - 1)
            hu = air
            if inside(x, y, 50, 60):
                hu = bone
            if inside(x, y, 44, 54):
                hu = brain
                # Two ventricles left and right of the midline.
                for cx in (-9, 9):
                    if (x - cx) ** 2 * 9 + (y + 4) ** 2 <= 24 * 24:
                        hu = csf
                # A small round lesion, and a faint gradient so no two rows are alike.
                if (x - 18) ** 2 + (y - 22) ** 2 <= 7 * 7:
                    hu = lesion
                hu += (row * 3 + col) % 7 - 3
            pixels.append(hu + 1024)
    return pixels


def file_meta() -> bytes:
    """File Meta Information group, its group length first."""
    body = (
        element(0x0002, 0x0001, "OB", b"\x00\x01")
        + text(0x0002, 0x0002, "UI", CT_IMAGE_STORAGE)
        + text(0x0002, 0x0003, "UI", SOP_INSTANCE_UID)
        + text(0x0002, 0x0010, "UI", EXPLICIT_VR_LE)
        + text(0x0002, 0x0012, "UI", IMPLEMENTATION_UID)
        + text(0x0002, 0x0013, "SH", "RS_DICOM_SAMPLE")
    )
    return ul(0x0002, 0x0000, len(body)) + body


def dataset() -> bytes:
    """The dataset, elements in ascending tag order."""
    referenced = sequence(
        0x0008,
        0x1140,
        [
            item(
                text(0x0008, 0x1150, "UI", CT_IMAGE_STORAGE)
                + text(0x0008, 0x1155, "UI", make_uid(f"sample_ct/instance/{n}")),
                undefined=True,
            )
            for n in (6, 8)
        ],
        undefined=True,
    )
    modifier = sequence(0x0008, 0x2220, [item(code_item("7771000", "SCT", "Left"))])
    anatomic = sequence(0x0008, 0x2218, [item(code_item("69536005", "SCT", "Head", modifier))])
    elements = [
        text(0x0008, 0x0005, "CS", "ISO_IR 100"),
        text(0x0008, 0x0008, "CS", "ORIGINAL", "PRIMARY", "AXIAL"),
        text(0x0008, 0x0012, "DA", "20240315"),
        text(0x0008, 0x0013, "TM", "101502"),
        text(0x0008, 0x0016, "UI", CT_IMAGE_STORAGE),
        text(0x0008, 0x0018, "UI", SOP_INSTANCE_UID),
        text(0x0008, 0x0020, "DA", "20240315"),
        text(0x0008, 0x0021, "DA", "20240315"),
        text(0x0008, 0x0022, "DA", "20240315"),
        text(0x0008, 0x0023, "DA", "20240315"),
        text(0x0008, 0x0030, "TM", "101500"),
        text(0x0008, 0x0031, "TM", "101500"),
        text(0x0008, 0x0032, "TM", "101501.250"),
        text(0x0008, 0x0033, "TM", "101502"),
        text(0x0008, 0x0050, "SH", "ACC-0001"),
        text(0x0008, 0x0060, "CS", "CT"),
        text(0x0008, 0x0070, "LO", "RS-DICOM Synthetic"),
        text(0x0008, 0x0080, "LO", "Example General Hospital"),
        text(0x0008, 0x0090, "PN", "Smith^Alice^^Dr."),
        text(0x0008, 0x1030, "LO", "CT HEAD W/O CONTRAST"),
        text(0x0008, 0x103E, "LO", "AXIAL 2.5MM <SYNTHETIC>"),
        text(0x0008, 0x1090, "LO", "PhantomScan 64"),
        referenced,
        anatomic,
        text(0x0009, 0x0010, "LO", "RS_DICOM SAMPLE"),
        text(0x0009, 0x1001, "LO", "synthetic head phantom"),
        element(0x0009, 0x1002, "US", struct.pack("<3H", 1, 2, 3)),
        text(0x0009, 0x1003, "DS", "0.5", "1.25"),
        element(0x0009, 0x1004, "OB", bytes(range(0x10, 0x1A))),
        text(0x0010, 0x0010, "PN", "Müller^Jürgen", encoding="latin-1"),
        text(0x0010, 0x0020, "LO", "RS-0001"),
        text(0x0010, 0x0030, "DA", "19700101"),
        text(0x0010, 0x0040, "CS", "M"),
        text(0x0010, 0x1010, "AS", "054Y"),
        text(0x0010, 0x1030, "DS", "82.5"),
        text(0x0018, 0x0015, "CS", "HEAD"),
        text(0x0018, 0x0050, "DS", "2.5"),
        text(0x0018, 0x0060, "DS", "120"),
        text(0x0018, 0x1020, "LO", "rs-dicom", "make_sample.py 1"),
        text(0x0018, 0x1150, "IS", "1000"),
        text(0x0018, 0x1151, "IS", "250"),
        text(0x0018, 0x5100, "CS", "HFS"),
        text(0x0020, 0x000D, "UI", STUDY_UID),
        text(0x0020, 0x000E, "UI", SERIES_UID),
        text(0x0020, 0x0010, "SH", "STUDY1"),
        text(0x0020, 0x0011, "IS", "2"),
        text(0x0020, 0x0013, "IS", "7"),
        text(0x0020, 0x0020, "CS", "L", "P"),
        text(0x0020, 0x0032, "DS", "-32", "-32", "12.5"),
        text(0x0020, 0x0037, "DS", "1", "0", "0", "0", "1", "0"),
        text(0x0020, 0x0052, "UI", FRAME_OF_REFERENCE_UID),
        text(0x0020, 0x1041, "DS", "12.5"),
        us(0x0028, 0x0002, 1),
        text(0x0028, 0x0004, "CS", "MONOCHROME2"),
        us(0x0028, 0x0010, ROWS),
        us(0x0028, 0x0011, COLUMNS),
        text(0x0028, 0x0030, "DS", "1", "1"),
        text(0x0028, 0x0034, "IS", "1", "1"),
        us(0x0028, 0x0100, 16),
        us(0x0028, 0x0101, 16),
        us(0x0028, 0x0102, 15),
        us(0x0028, 0x0103, 1),
        text(0x0028, 0x1050, "DS", "40", "400"),
        text(0x0028, 0x1051, "DS", "80", "2000"),
        text(0x0028, 0x1052, "DS", "-1024"),
        text(0x0028, 0x1053, "DS", "1"),
        text(0x0028, 0x1054, "LO", "HU"),
        text(0x0028, 0x1055, "LO", "BRAIN", "BONE"),
        element(0x7FE0, 0x0010, "OW", struct.pack(f"<{ROWS * COLUMNS}h", *phantom())),
    ]
    return b"".join(elements)


def sample_bytes() -> bytes:
    """The whole file."""
    return b"\0" * 128 + b"DICM" + file_meta() + dataset()


def check(path: Path) -> None:
    """Reads ``path`` with rs_dicom and pydicom and compares every element (tag, VR, value)."""
    import pydicom
    import rs_dicom

    def compare(ours: rs_dicom.Dataset, theirs: pydicom.Dataset, where: str) -> None:
        our_tags = [int(e.tag) for e in ours]
        their_tags = [int(t) for t in theirs.keys()]
        assert our_tags == their_tags, f"{where}: tags differ: {our_tags} != {their_tags}"
        for elem in ours:
            other = theirs[int(elem.tag)]
            at = f"{where}{elem.tag}"
            assert elem.vr == other.VR, f"{at}: VR {elem.vr} != {other.VR}"
            if elem.vr == "SQ":
                assert len(elem.value) == len(other.value), at
                for i, (a, b) in enumerate(zip(elem.value, other.value, strict=True)):
                    compare(a, b, f"{at}[{i}].")
                continue
            ours_v, theirs_v = elem.value, other.value
            if isinstance(ours_v, memoryview):
                ours_v = bytes(ours_v)
            if elem.vr == "PN":
                theirs_v = str(theirs_v)
            elif elem.vr in ("DS", "IS"):
                theirs_v = [float(v) for v in theirs_v] if other.VM > 1 else float(theirs_v)
            elif other.VM > 1:
                theirs_v = list(theirs_v)
            assert ours_v == theirs_v, f"{at}: {ours_v!r} != {theirs_v!r}"

    ours = rs_dicom.dcmread(path)
    theirs = pydicom.dcmread(path)
    compare(ours.file_meta, theirs.file_meta, "")
    compare(ours, theirs, "")
    print(f"{path}: rs_dicom and pydicom agree on {len(ours)} elements")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="output path")
    parser.add_argument(
        "--check", action="store_true", help="compare the rs_dicom and pydicom readings"
    )
    args = parser.parse_args(argv)
    data = sample_bytes()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    if args.check:
        check(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
