"""Property tests of editing and writing: random sequences of edits (values of many VRs set,
elements deleted or added, sequence items added, edited and removed, private elements) on
real corpus files, then a save in a random uncompressed transfer syntax. Each edit either
applies or raises InvalidValueError and changes nothing; the save either gives a file that
reads back equal to the edited dataset, element by element, or raises a DicomError.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("pydicom")

import rs_dicom  # noqa: E402
from conformance import corpus_files  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from write_check import (  # noqa: E402
    EXPLICIT_BE,
    IMPLICIT_LE,
    UNCOMPRESSED,
    compare_rs,
    read_pydicom,
    read_rs,
)

NAMES = [
    "CT_small.dcm",  # explicit VR LE
    "MR_small_bigendian.dcm",  # big endian
    "rtplan.dcm",  # implicit VR, nested sequences
    "nested_priv_SQ.dcm",  # private sequences
    "chrH32.dcm",  # ISO 2022 Japanese
    "image_dfl.dcm",  # deflated
    "reportsi.dcm",  # structured report: deep sequences
]
FILES = {p.name: p for p in corpus_files() if p.name in NAMES}

TEXT = string.ascii_letters + string.digits + " ^-._"
text = st.text(alphabet=TEXT, max_size=24)
# (keyword, strategy of values): every VR class the encoder has, valid values mostly, some
# that do not fit (which must raise InvalidValueError and change nothing).
VALUES: list[tuple[str, st.SearchStrategy[Any]]] = [
    ("PatientName", text),  # PN
    ("PatientID", st.text(alphabet=TEXT, max_size=70)),  # LO (max 64)
    ("StudyDescription", text),
    ("Modality", st.sampled_from(["CT", "MR", "OT", "ct"])),  # CS (upper case only)
    ("ImageType", st.lists(st.sampled_from(["ORIGINAL", "PRIMARY", "AXIAL"]), max_size=4)),
    ("StudyDate", st.sampled_from(["20240229", "19991231", "20230230", ""])),  # DA
    ("ContentTime", st.sampled_from(["120000", "235959.123456", "2500"])),  # TM
    ("SliceThickness", st.floats(-1e6, 1e6, allow_nan=False)),  # DS
    ("PixelSpacing", st.lists(st.floats(0.01, 100), min_size=1, max_size=3)),  # DS VM 2
    ("InstanceNumber", st.integers(-(2**31), 2**31 - 1)),  # IS
    ("Rows", st.integers(0, 70000)),  # US (max 65535)
    ("SOPInstanceUID", st.sampled_from(["1.2.3.4", "1.2.840.10008.1", "1.02.3"])),  # UI
    ("ContentSequence", st.none()),  # deleted or emptied: a sequence set to []
    ("NumericValue", st.lists(st.floats(-1e3, 1e3, allow_nan=False), max_size=5)),
    ("RealWorldValueFirstValueMapped", st.integers(-(2**15), 2**16)),  # US or SS
    ("DiffusionGradientOrientation", st.lists(st.floats(-1, 1), min_size=3, max_size=3)),
    ("AdditionalPatientHistory", st.text(alphabet=TEXT + "\r\n", max_size=200)),  # LT
    ("SpacingBetweenSlices", st.floats(allow_nan=False, allow_infinity=False)),
    ("EncapsulatedDocument", st.binary(max_size=64)),  # OB
    ("FrameIncrementPointer", st.sampled_from([0x00181063, 0x00181065])),  # AT
]


@dataclass
class Edit:
    kind: str
    args: tuple[Any, ...]

    def __repr__(self) -> str:
        return f"{self.kind}{self.args!r}"


def _set(draw: st.DrawFn) -> Edit:
    keyword, values = draw(st.sampled_from(VALUES))
    value = draw(values)
    return Edit("set", (keyword, [] if value is None else value))


@st.composite
def edits(draw: st.DrawFn) -> Edit:
    kind = draw(st.sampled_from(["set", "set", "set", "delete", "item", "private", "nested"]))
    if kind == "set":
        return _set(draw)
    if kind == "delete":
        return Edit("delete", (draw(st.integers(0, 10_000)),))
    if kind == "item":
        return Edit("item", (draw(text), draw(st.booleans())))
    if kind == "private":
        offset = draw(st.integers(0x01, 0xFF))
        vr, value = draw(
            st.sampled_from(
                [("LO", draw(text)), ("US", draw(st.integers(0, 65535))), ("OB", b"\x01\x02")]
            )
        )
        return Edit("private", (draw(st.sampled_from([0x0009, 0x0029])), offset, vr, value))
    # An edit inside an item of an existing sequence: set, or delete, a nested element.
    return Edit("nested", (draw(st.integers(0, 10_000)), _set(draw)))


def _sequences(ds: rs_dicom.Dataset) -> list[rs_dicom.Element]:
    return [e for e in ds.iterall() if e.vr == "SQ"]


def _apply(ds: rs_dicom.Dataset, edit: Edit) -> None:
    if edit.kind == "set":
        keyword, value = edit.args
        setattr(ds, keyword, value)
    elif edit.kind == "delete":
        tags = [e.tag for e in ds if e.tag.group != 0x0002]
        if tags:
            del ds[tags[edit.args[0] % len(tags)]]
    elif edit.kind == "item":
        uid, new_sequence = edit.args
        item = rs_dicom.Dataset()
        item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        item.ReferencedSOPInstanceUID = "1.2.3." + str(len(uid) + 1)
        item.StudyDescription = uid
        if new_sequence or "ReferencedImageSequence" not in ds:
            ds.ReferencedImageSequence = [item]
        else:
            ds.ReferencedImageSequence.append(item)
    elif edit.kind == "private":
        group, offset, vr, value = edit.args
        ds.private_block(group, "RS_DICOM TEST", create=True).add_new(offset, vr, value)
    else:
        index, inner = edit.args
        items = [item for seq in _sequences(ds) for item in seq.value]
        if items:
            target = items[index % len(items)]
            if index % 3 == 0 and len(target) > 0:
                del target[next(iter(target)).tag]
            else:
                _apply(target, inner)


def _snapshot(ds: rs_dicom.Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out)
    return out.getvalue()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    name=st.sampled_from(NAMES),
    steps=st.lists(edits(), min_size=1, max_size=8),
    syntax=st.sampled_from(sorted(UNCOMPRESSED)),
)
def test_edits_then_save_read_back_equal(name: str, steps: list[Edit], syntax: str) -> None:
    ds, _ = read_rs(FILES[name])
    big_in = ds.transfer_syntax_uid == EXPLICIT_BE
    for edit in steps:
        try:
            before = _snapshot(ds)
        except rs_dicom.DicomError:
            before = None  # not writable in its own syntax: compared no further
        try:
            _apply(ds, edit)
        except rs_dicom.InvalidValueError:
            # Nothing changed.
            if before is not None:
                assert _snapshot(ds) == before, f"{edit} raised but changed the dataset"
    uid = UNCOMPRESSED[syntax]
    ds.file_meta.TransferSyntaxUID = uid
    out = io.BytesIO()
    try:
        ds.save_as(out)
    except rs_dicom.DicomError as exc:
        assert exc.tag_path or "(0002" in str(exc), exc  # a clean error that names a tag
        return
    back, _ = read_rs(out.getvalue())
    kw = {"a_big": big_in, "b_big": uid == EXPLICIT_BE, "implicit": uid == IMPLICIT_LE}
    diffs = list(compare_rs(ds, back, **kw))
    assert diffs == [], diffs[:10]
    # pydicom reads it too, the same elements (but for US/SS elements of an implicit VR file
    # with no Pixel Representation: pydicom cannot tell their VR, PS3.5 A.1 c).
    pds = read_pydicom(out.getvalue())
    try:
        tags = [int(e.tag) for e in pds]
    except AttributeError as exc:
        assert uid == IMPLICIT_LE and "PixelRepresentation" not in ds, exc
        return
    assert tags == [int(e.tag) for e in back]


def test_the_files_are_in_the_corpus() -> None:
    assert set(FILES) == set(NAMES)
