"""The Native DICOM Model XML (PS3.19 A.1) from Python: ``Dataset.to_xml``,
``Dataset.from_xml``, ``rs-dicom meta --xml``, bulk data handlers and bad input."""

from __future__ import annotations

import base64
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rs_dicom
from helpers import load_make_sample
from native_model import name_text, parse

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample_ct.dcm"
NS = "{http://dicom.nema.org/PS3.19/models/NativeDICOM}"

make_sample = load_make_sample()


@pytest.fixture(scope="module")
def sample() -> rs_dicom.Dataset:
    return rs_dicom.dcmread(SAMPLE)


def _doc(body: str) -> str:
    head = '<?xml version="1.0"?>\n<NativeDicomModel xml:space="preserve">\n'
    return f"{head}{body}</NativeDicomModel>\n"


def _attr(tag: str, vr: str, inner: str, extra: str = "") -> str:
    return f'<DicomAttribute tag="{tag}" vr="{vr}"{extra}>{inner}</DicomAttribute>\n'


def _values(*texts: str) -> str:
    return "".join(f'<Value number="{i}">{t}</Value>' for i, t in enumerate(texts, 1))


def test_well_formed_and_readable_by_elementtree(sample: rs_dicom.Dataset) -> None:
    text = sample.to_xml()
    root = ET.fromstring(text.encode())
    assert root.tag == f"{NS}NativeDicomModel"
    public = [a.attrib["tag"] for a in root if "privateCreator" not in a.attrib]
    assert public == sorted(public)
    attrs = parse(text)
    assert attrs[("00100010", None)].keyword == "PatientName"
    assert name_text(attrs[("00100010", None)].names[0]) == "Müller^Jürgen"
    assert attrs[("00200032", None)].values == ["-32", "-32", "12.5"]  # DS as stored
    pixels = attrs[("7FE00010", None)].inline
    assert pixels == bytes(sample["PixelData"].raw)
    creator = (
        attrs[("00090001", "RS_DICOM_SAMPLE")] if ("00090001", "RS_DICOM_SAMPLE") in attrs else None
    )
    private = [k for k in attrs if k[1] is not None]
    assert private and all(k[0][4:6] == "00" for k in private), private
    assert creator is None or creator.vr


def test_round_trip_keeps_every_value(sample: rs_dicom.Dataset) -> None:
    text = sample.to_xml()
    back = rs_dicom.Dataset.from_xml(text)
    assert back.to_xml() == text
    assert back.to_json_dict() == sample.to_json_dict()
    assert rs_dicom.Dataset.from_xml(text.encode()).to_xml() == text
    assert rs_dicom.Dataset.from_xml(bytearray(text.encode())).to_xml() == text


def test_options(sample: rs_dicom.Dataset) -> None:
    omitted = parse(sample.to_xml(bulk_data="omit", include_meta=True))
    assert omitted[("7FE00010", None)].inline is None
    assert omitted[("00020010", None)].values == ["1.2.840.10008.1.2.1"]
    with pytest.raises(ValueError, match="bulk_data"):
        sample.to_xml(bulk_data="uri")  # type: ignore[arg-type]
    seen = []

    def uri(elem: rs_dicom.Element) -> str:
        seen.append(int(elem.tag))
        return f"http://x/{int(elem.tag):08X}?a&b"

    text = sample.to_xml(bulk_data_threshold=100, bulk_data_element_handler=uri)
    assert seen == [0x7FE00010]
    assert parse(text)[("7FE00010", None)].bulk == {"uri": "http://x/7FE00010?a&b"}
    got = []

    def fetch(tag: str, vr: str, uri: str) -> bytes:
        got.append((tag, vr, uri))
        return bytes(sample["PixelData"].raw)

    back = rs_dicom.Dataset.from_xml(text, fetch)
    assert got == [("7FE00010", "OW", "http://x/7FE00010?a&b")]
    assert bytes(back["PixelData"].raw) == bytes(sample["PixelData"].raw)
    with pytest.warns(UserWarning, match="No bulk data URI handler"):
        empty = rs_dicom.Dataset.from_xml(text)
    assert len(bytes(empty["PixelData"].raw)) == 0


def test_person_names_private_tags_and_numbers() -> None:
    text = _doc(
        _attr("00080005", "CS", _values("ISO_IR 192"))
        + _attr("00090001", "LO", _values("x"), ' privateCreator="ACME"')
        + '<DicomAttribute tag="00100010" vr="PN"><PersonName number="1">'
        "<Alphabetic><FamilyName>Yamada</FamilyName><GivenName>Tarou</GivenName></Alphabetic>"
        "<Ideographic><FamilyName>山田</FamilyName><GivenName>太郎</GivenName></Ideographic>"
        "<Phonetic><FamilyName>やまだ</FamilyName><GivenName>たろう</GivenName></Phonetic>"
        "</PersonName></DicomAttribute>\n"
        + _attr("00280009", "AT", _values("00540010"))
        + _attr("00409212", "FD", _values("nan", "-inf", "1e-300"))
    )
    ds = rs_dicom.Dataset.from_xml(text)
    assert str(ds.PatientName) == "Yamada^Tarou=山田^太郎=やまだ^たろう"
    assert ds[0x00090010].value == "ACME" and ds[0x00091001].value == "x"
    assert int(ds.FrameIncrementPointer) == 0x00540010
    values = ds.RealWorldValueLUTData
    assert values[0] != values[0] and values[1] == float("-inf") and values[2] == 1e-300
    again = parse(ds.to_xml())
    assert again[("00409212", None)].values == ["NaN", "-Infinity", "1e-300"]
    assert again[("00090001", "ACME")].values == ["x"]


def test_bad_input_raises_dicom_error_with_line_and_offset() -> None:
    cases = {
        "<NativeDicomModel><DicomAttribute": "XML line 1",
        _doc(
            '<DicomAttribute tag="00280010" vr="US"><Value number="1">x</Value></DicomAttribute>\n'
        ): "XML line 3",
        _doc(_attr("7FE00010", "OB", "<InlineBinary>!!</InlineBinary>")): "base64",
        _doc(_attr("00280010", "US", _values("99999999999999999999"))): "not a US value",
        _doc('<DicomAttribute tag="00100010" vr="PN"><Bogus/></DicomAttribute>\n'): "<Bogus>",
    }
    for text, expected in cases.items():
        with pytest.raises(rs_dicom.DicomError, match=expected) as err:
            rs_dicom.Dataset.from_xml(text)
        assert err.value.offset is not None, text  # type: ignore[attr-defined]
    deep = (
        "<NativeDicomModel>" + '<DicomAttribute tag="00081140" vr="SQ"><Item number="1">' * 50_000
    )
    with pytest.raises(rs_dicom.DicomError, match="nested deeper"):
        rs_dicom.Dataset.from_xml(deep)
    with pytest.raises(TypeError):
        rs_dicom.Dataset.from_xml(42)  # type: ignore[arg-type]


def test_validation_modes() -> None:
    text = _doc(_attr("00080020", "DA", _values("1997.04.24")))
    with pytest.warns(UserWarning, match=r"XML line 3: \(0008,0020\) DA"):
        kept = rs_dicom.Dataset.from_xml(text)
    assert kept.StudyDate == "1997.04.24"
    with pytest.raises(rs_dicom.DicomError, match="must be a date"):
        rs_dicom.Dataset.from_xml(text, validate=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rs_dicom.Dataset.from_xml(text, validate=False).StudyDate == "1997.04.24"


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "rs_dicom.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_cli_meta_xml(sample: rs_dicom.Dataset, tmp_path: Path) -> None:
    result = _cli("meta", "--xml", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout == sample.to_xml()
    no_bulk = parse(_cli("meta", "--xml", "--no-bulk", "--include-meta", str(SAMPLE)).stdout)
    assert no_bulk[("7FE00010", None)].inline is None and ("00020010", None) in no_bulk
    ascii_only = _cli("meta", "--xml", str(SAMPLE), PYTHONIOENCODING="ascii").stdout
    assert ascii_only.isascii() and "M&#252;ller" in ascii_only
    assert (
        parse(ascii_only)[("00100010", None)].names
        == parse(sample.to_xml())[("00100010", None)].names
    )
    two = _cli("meta", "--xml", str(SAMPLE), str(SAMPLE)).stdout
    assert two.count("<?xml") == 2
    assert _cli("meta", "--xml", "--json", str(SAMPLE)).returncode == 2
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"not dicom")
    failed = _cli("meta", "--xml", str(bad))
    assert failed.returncode == 1 and str(bad) in failed.stderr


def test_binary_values_are_base64_little_endian() -> None:
    ds = rs_dicom.dcmread(
        make_sample.element(0x0028, 0x1201, "OW", b"\x00\x01\x00\x02"), force=True
    )
    attrs = parse(ds.to_xml())
    assert attrs[("00281201", None)].inline == b"\x00\x01\x00\x02"
    assert base64.b64encode(b"\x00\x01\x00\x02").decode() in ds.to_xml()
