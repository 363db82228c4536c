"""The DICOM JSON model (rs_dicom.jsonmodel) against hand-made data and pydicom."""

from __future__ import annotations

import base64
import json
import os
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import rs_dicom
from helpers import load_make_sample
from rs_dicom.jsonmodel import element_to_json_dict, to_json, to_json_dict

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample_ct.dcm"


make_sample = load_make_sample()
text, element = make_sample.text, make_sample.element


def _pydicom() -> ModuleType:
    """pydicom; the test is skipped without it unless running in CI."""
    if os.environ.get("CI") != "true":
        return pytest.importorskip("pydicom")
    import pydicom

    return pydicom


def _testdata(name: str) -> str:
    _pydicom()
    from pydicom.data import get_charset_files, get_testdata_file

    path = get_testdata_file(name) or (get_charset_files(name) or [None])[0]
    assert path is not None, name
    return str(path)


def _dataset(*elements: bytes) -> rs_dicom.Dataset:
    return rs_dicom.dcmread(b"".join(elements), force=True)


@pytest.fixture(scope="module")
def sample() -> rs_dicom.Dataset:
    return rs_dicom.dcmread(SAMPLE)


# --------------------------------------------------------------------------- encoding rules


def test_sample_values(sample: rs_dicom.Dataset) -> None:
    model = to_json_dict(sample)
    assert model["00100010"] == {"vr": "PN", "Value": [{"Alphabetic": "Müller^Jürgen"}]}
    assert model["00080008"] == {"vr": "CS", "Value": ["ORIGINAL", "PRIMARY", "AXIAL"]}
    assert model["00200032"] == {"vr": "DS", "Value": [-32.0, -32.0, 12.5]}
    assert model["00200013"] == {"vr": "IS", "Value": [7]}
    assert isinstance(model["00200013"]["Value"][0], int)
    assert model["00280010"] == {"vr": "US", "Value": [64]}
    assert model["00091002"] == {"vr": "US", "Value": [1, 2, 3]}
    assert model["00091003"] == {"vr": "DS", "Value": [0.5, 1.25]}
    assert model["00281050"] == {"vr": "DS", "Value": [40.0, 400.0]}
    assert model["00091004"] == {
        "vr": "OB",
        "InlineBinary": base64.b64encode(bytes(range(16, 26))).decode(),
    }
    pixels = base64.b64decode(model["7FE00010"]["InlineBinary"])
    assert pixels == bytes(sample["PixelData"].raw) and len(pixels) == 64 * 64 * 2


def test_keys_sorted_no_group_length_no_meta(sample: rs_dicom.Dataset) -> None:
    model = to_json_dict(sample)
    keys = list(model)
    assert keys == sorted(keys)
    assert all(len(k) == 8 and k == k.upper() for k in keys)
    assert not any(k.startswith("0002") for k in keys)
    with_meta = to_json_dict(sample, include_meta=True)
    assert list(with_meta)[:6] == [
        "00020001",
        "00020002",
        "00020003",
        "00020010",
        "00020012",
        "00020013",
    ]
    assert "00020000" not in with_meta  # group length: never in the JSON model
    assert with_meta["00020010"] == {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}
    ds = _dataset(
        element(0x0008, 0x0000, "UL", struct.pack("<I", 18)),
        text(0x0008, 0x0060, "CS", "CT"),
    )
    assert to_json_dict(ds) == {"00080060": {"vr": "CS", "Value": ["CT"]}}


def test_sequences(sample: rs_dicom.Dataset) -> None:
    model = to_json_dict(sample)
    ref = model["00081140"]
    assert ref["vr"] == "SQ" and len(ref["Value"]) == 2
    assert ref["Value"][0]["00081150"] == {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]}
    region = model["00082218"]["Value"][0]
    assert region["00080104"] == {"vr": "LO", "Value": ["Head"]}
    assert region["00082220"]["Value"][0]["00080104"] == {"vr": "LO", "Value": ["Left"]}
    empty = _dataset(
        make_sample.sequence(0x0008, 0x1140, []),
        make_sample.sequence(0x0008, 0x2218, [make_sample.item(b"")], undefined=True),
    )
    assert to_json_dict(empty) == {
        "00081140": {"vr": "SQ"},  # no items: no Value (F.2.5)
        "00082218": {"vr": "SQ", "Value": [{}]},  # an empty item is an empty object
    }


def test_empty_values_and_nulls() -> None:
    ds = _dataset(
        text(0x0008, 0x0050, "SH", ""),
        text(0x0010, 0x0010, "PN", ""),
        element(0x0010, 0x1020, "DS", b""),
        element(0x0020, 0x0013, "IS", b""),
        element(0x0028, 0x0010, "US", b""),
        element(0x0042, 0x0011, "OB", b""),
        text(0x0018, 0x1020, "LO", "a", "", "b"),
        text(0x0020, 0x0032, "DS", "1", "", "2"),
    )
    model = to_json_dict(ds)
    for key in ("00080050", "00100010", "00101020", "00200013", "00280010", "00420011"):
        assert "Value" not in model[key] and "InlineBinary" not in model[key], key
    assert model["00181020"]["Value"] == ["a", None, "b"]
    assert model["00200032"]["Value"] == [1.0, None, 2.0]


def test_person_name_groups() -> None:
    ds = _dataset(
        text(0x0008, 0x0005, "CS", "ISO_IR 192"),
        text(0x0010, 0x0010, "PN", "Yamada^Tarou=山田^太郎=やまだ^たろう", encoding="utf-8"),
        text(
            0x0010,
            0x1001,
            "PN",
            "A^B",
            "",
            "==Phon^Etic",
            "Wang^XiaoDong=王^小東=",
            encoding="utf-8",
        ),
    )
    model = to_json_dict(ds)
    assert model["00100010"]["Value"] == [
        {"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}
    ]
    assert model["00101001"]["Value"] == [
        {"Alphabetic": "A^B"},
        None,
        {"Phonetic": "Phon^Etic"},
        {"Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東"},
    ]


def test_attribute_tags_and_numbers() -> None:
    ds = _dataset(
        element(0x0018, 0x1310, "US", struct.pack("<4H", 0, 256, 256, 0)),
        element(0x0018, 0x9219, "SS", struct.pack("<h", -5)),
        element(0x0028, 0x0009, "AT", struct.pack("<4H", 0x0054, 0x0010, 0x0018, 0x1063)),
        element(0x0040, 0x9212, "FD", struct.pack("<2d", 0.5, -1e300)),
        element(0x0040, 0x9225, "FD", struct.pack("<d", 2.0)),
        element(0x0066, 0x0016, "FL", struct.pack("<3f", 1.5, float("nan"), float("-inf"))),
        element(0x0072, 0x0078, "UL", struct.pack("<I", 4_000_000_000)),
        element(0x0072, 0x007C, "SL", struct.pack("<i", -7)),
        text(0x0020, 0x1041, "DS", "1e400"),
        text(0x0028, 0x1050, "DS", "abc"),
        text(0x0028, 0x0008, "IS", "1A"),
    )
    model = to_json_dict(ds)
    assert model["00181310"]["Value"] == [0, 256, 256, 0]
    assert model["00189219"]["Value"] == [-5]
    assert model["00280009"] == {"vr": "AT", "Value": ["00540010", "00181063"]}
    assert model["00409212"]["Value"] == [0.5, -1e300]
    assert model["00409225"]["Value"] == [2.0]
    assert model["00660016"]["Value"] == [1.5, "NaN", "-Infinity"]
    assert model["00720078"]["Value"] == [4_000_000_000]
    assert model["0072007C"]["Value"] == [-7]
    # Not a JSON number: the text of the file.
    assert model["00201041"]["Value"] == ["1e400"]
    assert model["00281050"]["Value"] == ["abc"]
    assert model["00280008"]["Value"] == ["1A"]
    # Strict JSON, no NaN / Infinity literals.
    assert json.loads(to_json(ds)) == model


def test_bulk_data_inline_and_omit(sample: rs_dicom.Dataset) -> None:
    omitted = to_json_dict(sample, bulk_data="omit")
    assert omitted["7FE00010"] == {"vr": "OW"}
    assert omitted["00091004"] == {"vr": "OB"}
    assert "InlineBinary" not in json.dumps(omitted)
    assert omitted["00100010"] == to_json_dict(sample)["00100010"]
    with pytest.raises(ValueError, match="bulk_data"):
        to_json_dict(sample, bulk_data="uri")  # type: ignore[arg-type]


def test_to_json_text(sample: rs_dicom.Dataset) -> None:
    compact = to_json(sample)
    assert json.loads(compact) == to_json_dict(sample)
    assert "Müller" in compact
    assert "\\u00fc" in to_json(sample, ensure_ascii=True)
    assert to_json(sample, indent=2).startswith('{\n  "00080005": {\n    "vr": "CS"')
    assert json.loads(to_json(sample, bulk_data="omit", include_meta=True))["00020013"] == {
        "vr": "SH",
        "Value": ["RS_DICOM_SAMPLE"],
    }


def test_element_to_json_dict(sample: rs_dicom.Dataset) -> None:
    assert element_to_json_dict(sample["Rows"]) == {"vr": "US", "Value": [64]}
    assert element_to_json_dict(sample["PixelData"], bulk_data="omit") == {"vr": "OW"}


# --------------------------------------------------------------------------- pydicom


def _normalise_pydicom(node: dict[str, Any]) -> dict[str, Any]:
    """pydicom's JSON, rewritten where the module doc says we deliberately differ."""
    out: dict[str, Any] = {}
    for key, attr in node.items():
        if key.endswith("0000"):  # group lengths are not in the JSON model
            continue
        attr = dict(attr)
        value = attr.get("Value")
        if value == []:
            del attr["Value"]
        elif attr["vr"] == "SQ":
            attr["Value"] = [_normalise_pydicom(item) for item in value]
        elif attr["vr"] == "PN" and value is not None:
            attr["Value"] = [{k: v for k, v in name.items() if v} or None for name in value]
        elif value is not None:
            attr["Value"] = [None if v == "" else v for v in value]
        out[key] = attr
    return out


def compare_models(a: dict[str, Any], b: dict[str, Any], where: str) -> None:
    """Two JSON models, attribute by attribute (the path of the first difference named)."""
    assert a.keys() == b.keys(), where
    for key in a:
        x, y = a[key], b[key]
        at = f"{where}{key}"
        assert x["vr"] == y["vr"], at
        if x["vr"] == "SQ":
            xs, ys = x.get("Value", []), y.get("Value", [])
            assert len(xs) == len(ys), at
            for i, (p, q) in enumerate(zip(xs, ys, strict=True)):
                compare_models(p, q, f"{at}[{i}].")
        else:
            assert x == y, at


PYDICOM_FILES = [
    "CT_small.dcm",  # explicit VR LE, private elements
    "MR_small.dcm",
    "MR_small_implicit.dcm",  # implicit VR LE
    "rtplan.dcm",  # nested sequences
    "rtstruct.dcm",  # no preamble (force=True), deep sequences, IS / DS lists
    "reportsi.dcm",  # SR: deep nesting, empty values
    "JPEG2000.dcm",  # encapsulated pixel data, AT
    "SC_rgb_rle.dcm",  # encapsulated pixel data (RLE fragments)
    "nested_priv_SQ.dcm",  # private sequences
    "UN_sequence.dcm",  # UN
    "waveform_ecg.dcm",  # waveform OW / OB, multi-valued numbers
    "chrH31.dcm",  # PN with three component groups (ISO 2022 Japanese)
    "chrX1.dcm",  # PN with a trailing empty group, UTF-8
    "chrGerm.dcm",  # Latin-1
]


@pytest.mark.parametrize("name", PYDICOM_FILES)
def test_matches_pydicom(name: str) -> None:
    pydicom = _pydicom()
    path = _testdata(name)
    force = name == "rtstruct.dcm"
    ours = to_json_dict(rs_dicom.dcmread(path, force=force))
    theirs = _normalise_pydicom(pydicom.dcmread(path, force=force).to_json_dict())
    assert ours.keys() == theirs.keys()

    compare_models(ours, theirs, "")


def test_encapsulated_pixel_data_matches_pydicom() -> None:
    pydicom = _pydicom()
    path = _testdata("JPEG2000.dcm")
    ours = to_json_dict(rs_dicom.dcmread(path))["7FE00010"]
    assert ours["vr"] == "OB"
    assert base64.b64decode(ours["InlineBinary"]) == pydicom.dcmread(path).PixelData
    assert to_json_dict(rs_dicom.dcmread(path), bulk_data="omit")["7FE00010"] == {"vr": "OB"}


def test_big_endian_words_are_little_endian_in_json() -> None:
    pydicom = _pydicom()
    path = _testdata("MR_small_bigendian.dcm")
    ours = to_json_dict(rs_dicom.dcmread(path))
    big = pydicom.dcmread(path).PixelData  # pydicom: the file's big endian bytes
    swapped = b"".join(big[i : i + 2][::-1] for i in range(0, len(big), 2))
    assert base64.b64decode(ours["7FE00010"]["InlineBinary"]) == swapped
    # Everything else is as pydicom has it.
    little = _normalise_pydicom(pydicom.dcmread(_testdata("MR_small.dcm")).to_json_dict())
    assert ours["00280010"] == little["00280010"]
    assert base64.b64decode(ours["7FE00010"]["InlineBinary"]) == base64.b64decode(
        little["7FE00010"]["InlineBinary"]
    )


def test_sample_reads_identically_with_pydicom() -> None:
    """The shipped sample: every element (file meta too) equal in rs_dicom and pydicom."""
    _pydicom()
    make_sample.check(SAMPLE)
    pydicom = _pydicom()
    theirs = _normalise_pydicom(pydicom.dcmread(SAMPLE).to_json_dict())
    assert to_json_dict(rs_dicom.dcmread(SAMPLE)) == theirs


# --------------------------------------------------------------------------- from_json


def test_from_json_inputs_and_bulk_data_handlers(sample: rs_dicom.Dataset) -> None:
    model = to_json_dict(sample)
    text = json.dumps(model)
    for given in (text, text.encode(), bytearray(text.encode()), model):
        assert to_json_dict(rs_dicom.Dataset.from_json(given)) == model
    with pytest.raises(TypeError, match="str, bytes or dict"):
        rs_dicom.Dataset.from_json(42)  # type: ignore[arg-type]
    refs = {
        "7FE00010": {"vr": "OW", "BulkDataURI": "http://x/pixels"},
        "00081140": {
            "vr": "SQ",
            "Value": [{"00091001": {"vr": "OB", "BulkDataURI": ["http://x/nested"]}}],
        },
        "00100010": {"vr": "PN", "BulkDataURI": "http://x/name"},
    }
    seen: list[tuple[str, ...]] = []

    def three(tag: str, vr: str, uri: str) -> bytes | str:
        seen.append((tag, vr, uri))
        return "Doe^John" if vr == "PN" else b"\x01\x02"

    ds = rs_dicom.Dataset.from_json(refs, three)
    assert sorted(seen) == [
        ("00091001", "OB", "http://x/nested"),
        ("00100010", "PN", "http://x/name"),
        ("7FE00010", "OW", "http://x/pixels"),
    ]
    assert bytes(ds["PixelData"].raw) == b"\x01\x02" and ds.PatientName == "Doe^John"
    assert bytes(ds["ReferencedImageSequence"].value[0][0x00091001].raw) == b"\x01\x02"
    # pydicom's other signature: the URI alone.
    ds = rs_dicom.Dataset.from_json(refs, lambda uri: b"\x03\x04" if "pix" in uri else None)
    assert bytes(ds["PixelData"].raw) == b"\x03\x04"
    assert "PatientName" in ds and ds.PatientName == ""
    # No handler: empty values and pydicom's warning.
    with pytest.warns(UserWarning) as record:
        ds = rs_dicom.Dataset.from_json(refs)
    assert sorted(str(w.message) for w in record) == [
        f'No bulk data URI handler provided for retrieval of value of data element "{t}"'
        for t in ("00091001", "00100010", "7FE00010")
    ]
    assert len(bytes(ds["PixelData"].raw)) == 0
    with pytest.raises(TypeError, match="bulk_data_uri_handler must return"):
        rs_dicom.Dataset.from_json(refs, lambda uri: [1])


def test_to_json_bulk_data_handler_as_pydicom() -> None:
    pydicom = _pydicom()
    path = _testdata("CT_small.dcm")

    def handler(elem: Any) -> str:
        return f"http://x/{int(elem.tag):08X}"

    ours = rs_dicom.dcmread(path).to_json_dict(
        bulk_data_threshold=100, bulk_data_element_handler=handler
    )
    theirs = pydicom.dcmread(path).to_json_dict(
        bulk_data_threshold=100, bulk_data_element_handler=handler
    )
    uris = {k: v["BulkDataURI"] for k, v in ours.items() if "BulkDataURI" in v}
    assert uris == {k: v["BulkDataURI"] for k, v in theirs.items() if "BulkDataURI" in v}
    assert uris["7FE00010"] == "http://x/7FE00010"
    text = rs_dicom.dcmread(path).to_json(dump_handler=lambda d: json.dumps(d, sort_keys=True))
    assert json.loads(text) == rs_dicom.dcmread(path).to_json_dict()
    assert rs_dicom.dcmread(path)["PixelData"].to_json_dict(handler, 100) == {
        "vr": "OW",
        "BulkDataURI": "http://x/7FE00010",
    }


def test_from_json_validation_modes() -> None:
    model = {"00080020": {"vr": "DA", "Value": ["1997.04.24"]}}
    with pytest.warns(UserWarning, match=r"JSON /00080020: \(0008,0020\) DA"):
        assert rs_dicom.Dataset.from_json(model).StudyDate == "1997.04.24"
    with pytest.raises(rs_dicom.DicomError, match="must be a date"):
        rs_dicom.Dataset.from_json(model, validate=True)
    assert rs_dicom.Dataset.from_json(model, validate=False).StudyDate == "1997.04.24"


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ('{"00100010": {"vr": "PN", "Value": [', "not JSON: EOF .* at line 1 column 36"),
        ("[1, 2]", "is an object"),
        ('{"0010001": {"vr": "PN"}}', "is not a tag"),
        ('{"00280010": {"vr": "US", "Value": [1e400]}}', "not JSON"),
        ('{"00280010": {"vr": "US", "Value": [70000]}}', r"/00280010: .*out of range"),
        ('{"00280010": {"vr": "US", "Value": ["abc"]}}', "is not an integer"),
        ('{"00280010": {"vr": "US", "Value": [1.5]}}', "integer that fits"),
        ('{"7FE00010": {"vr": "OB", "InlineBinary": "!!"}}', "not base64"),
        ('{"7FE00010": {"vr": "OB", "Value": [1]}}', "InlineBinary"),
        ('{"00081140": {"vr": "SQ", "Value": [{"0008": 1}]}}', r"/00081140/Value/0"),
        ('{"00100010": {"vr": "ZZ"}}', "is not a VR"),
    ],
)
def test_from_json_bad_input(bad: str, expected: str) -> None:
    with pytest.raises(rs_dicom.DicomError, match=expected):
        rs_dicom.Dataset.from_json(bad)


def test_from_json_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = '{"00081140": {"vr": "SQ", "Value": [' * 20_000
    with pytest.raises(rs_dicom.DicomError, match="recursion limit"):
        rs_dicom.Dataset.from_json(deep)


def test_from_json_dict_is_read_without_text() -> None:
    # What json.loads or pydicom's to_json_dict give, floats JSON cannot hold included.
    model = {
        "00409212": {"vr": "FD", "Value": [float("nan"), float("-inf"), 0.5]},
        "00280010": {"vr": "US", "Value": (64,)},
        "00720083": {"vr": "UV", "Value": [2**64 - 1]},
    }
    ds = rs_dicom.Dataset.from_json(model)
    lut = ds.RealWorldValueLUTData
    assert lut[0] != lut[0] and lut[1] == float("-inf") and lut[2] == 0.5
    assert ds.Rows == 64 and ds[0x00720083].value == 2**64 - 1
    with pytest.raises(TypeError, match="keys are str"):
        rs_dicom.Dataset.from_json({1: {"vr": "US"}})
    with pytest.raises(TypeError, match="not a JSON value"):
        rs_dicom.Dataset.from_json({"00280010": {"vr": "US", "Value": [object()]}})
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(200):
        item: dict[str, Any] = {}
        node["00081140"] = {"vr": "SQ", "Value": [item]}
        node = item
    with pytest.raises(rs_dicom.DicomError, match="nests deeper"):
        rs_dicom.Dataset.from_json(deep)
