"""rs_dicom.valuerep (PersonName, UID, DA, TM, DT) against pydicom's value types."""

from __future__ import annotations

import copy
import datetime
import pickle
import warnings
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from rs_dicom.valuerep import DA, DT, TM, UID, PersonName

pydicom = pytest.importorskip("pydicom")
pvr = pytest.importorskip("pydicom.valuerep")
puid = pytest.importorskip("pydicom.uid")

NAMES = [
    "",
    "Doe",
    "Doe^Jane",
    "Doe^Jane^Mary^Dr.^M.D.",
    "Doe^Jane^^^",
    "^Jane",
    "Doe^Jane=",
    "Doe^Jane==",
    "=Yamada^Tarou",
    "Yamada^Tarou=山田^太郎=やまだ^たろう",
    "Wang^XiaoDong=王^小東=",
    "Hong^Gildong=洪^吉洞=홍^길동",
    "=",
    "Adams^John Robert Quincy^^Rev.^B.A. M.Div.",
    "ABC Farms^Running on Water",
]
PN_PROPERTIES = [
    "family_name",
    "given_name",
    "middle_name",
    "name_prefix",
    "name_suffix",
    "alphabetic",
    "ideographic",
    "phonetic",
    "components",
]


@pytest.mark.parametrize("text", NAMES)
def test_person_name_matches_pydicom(text: str) -> None:
    ours = PersonName(text)
    theirs = pvr.PersonName(text)
    assert isinstance(ours, str) and isinstance(ours, PersonName)
    assert ours == str(theirs) and str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert theirs == ours  # pydicom compares its PersonName with str
    assert bool(ours) == bool(theirs)
    assert len(ours) == len(theirs)
    for prop in PN_PROPERTIES:
        assert getattr(ours, prop) == getattr(theirs, prop), prop
    assert ours.family_comma_given() == theirs.family_comma_given()
    fmt = "%(family_name)s, %(given_name)s %(middle_name)s [%(ideographic)s|%(phonetic)s]"
    assert ours.formatted(fmt) == theirs.formatted(fmt)


def test_person_name_is_a_str() -> None:
    pn = PersonName("Doe^Jane")
    assert pn == "Doe^Jane" and hash(pn) == hash("Doe^Jane")
    table: dict[str, int] = {pn: 1}
    assert table["Doe^Jane"] == 1
    assert pn.startswith("Doe") and pn.upper() == "DOE^JANE"
    assert PersonName(pn) == pn and type(PersonName(pn)) is PersonName
    assert PersonName(None) is None
    assert pn.decode() is pn
    with pytest.raises(TypeError):
        PersonName(42)  # type: ignore[call-overload]


def test_person_name_bytes() -> None:
    # Without encodings as pydicom: the default repertoire, read as ISO 8859-1.
    raw = "Müller^Jürgen".encode("latin-1")
    assert PersonName(raw) == str(pvr.PersonName(raw)) == "Müller^Jürgen"
    assert PersonName(raw, ["latin_1"]).given_name == "Jürgen"


def test_person_name_pickle_and_copy() -> None:
    pn = PersonName("Yamada^Tarou=山田^太郎")
    for clone in (pickle.loads(pickle.dumps(pn)), copy.deepcopy(pn), copy.copy(pn)):
        assert type(clone) is PersonName and clone == pn and clone.ideographic == "山田^太郎"


COMPONENT_CASES: list[dict[str, Any]] = [
    {},
    {"family_name": "Doe"},
    {"family_name": "Doe", "given_name": "Jane"},
    {"given_name": "Jane"},
    {
        "family_name": "Adams",
        "given_name": "John Robert Quincy",
        "name_prefix": "Rev.",
        "name_suffix": "B.A. M.Div.",
    },
    {
        "family_name": "Hong",
        "given_name": "Gildong",
        "family_name_ideographic": "洪",
        "given_name_ideographic": "吉洞",
        "family_name_phonetic": "홍",
        "given_name_phonetic": "길동",
    },
    {"family_name_phonetic": "やまだ"},
    {"middle_name_ideographic": "太", "name_suffix_phonetic": "x"},
]


@pytest.mark.parametrize("kwargs", COMPONENT_CASES)
def test_from_named_components_matches_pydicom(kwargs: dict[str, Any]) -> None:
    ours = PersonName.from_named_components(**kwargs)
    # pydicom encodes the components first: it needs encodings that can.
    wide = any(ord(c) > 255 for v in kwargs.values() for c in v)
    encodings = ["latin_1", "iso2022_jp", "euc_kr"] if wide else None
    theirs = pvr.PersonName.from_named_components(**kwargs, encodings=encodings)
    assert type(ours) is PersonName
    assert ours == str(theirs)
    for prop in PN_PROPERTIES:
        assert getattr(ours, prop) == getattr(theirs, prop), prop


def test_from_named_components_veterinary_matches_pydicom() -> None:
    kwargs: dict[str, Any] = {
        "responsible_party_name": "ABC Farms",
        "patient_name": "Running on Water",
    }
    ours = PersonName.from_named_components_veterinary(**kwargs)
    assert ours == str(pvr.PersonName.from_named_components_veterinary(**kwargs))
    assert ours.family_name == "ABC Farms" and ours.given_name == "Running on Water"


@pytest.mark.parametrize("bad", ["Do^e", "Doe=", "Do\\e"])
def test_from_named_components_rejects_separators(bad: str) -> None:
    with pytest.raises(ValueError) as ours:
        PersonName.from_named_components(given_name=bad)
    with pytest.raises(ValueError) as theirs:
        pvr.PersonName.from_named_components(given_name=bad)
    assert str(ours.value) == str(theirs.value)


def _charset_files() -> list[Path]:
    root = Path(pydicom.__file__).parent / "data" / "charset_files"
    return sorted(root.glob("chr*.dcm"))


@pytest.mark.parametrize("path", _charset_files(), ids=lambda p: p.name)
def test_person_names_of_files_match_pydicom(path: Path) -> None:
    """The PN values of pydicom's character set files: the same parts once decoded."""
    theirs = pydicom.dcmread(path)
    ours = rs_dicom.dcmread(path)
    checked = 0
    for elem in theirs:
        if elem.VR != "PN" or elem.tag not in ours or elem.VM != 1:
            continue
        value = ours[elem.tag].value
        assert type(value) is PersonName
        for prop in PN_PROPERTIES:
            assert getattr(value, prop) == getattr(elem.value, prop), (elem.tag, prop)
        checked += 1
    assert checked > 0


# --- UID -----------------------------------------------------------------------------

# Where rs_dicom's registry knows better than pydicom 3.0.2's tables (PS3.5: the JPIP
# Referenced Deflate syntaxes deflate the dataset).
DEFLATED_JPIP = {"1.2.840.10008.1.2.4.95", "1.2.840.10008.1.2.4.205"}
TS_PROPERTIES = ["is_implicit_VR", "is_little_endian", "is_deflated", "is_compressed"]
UID_PROPERTIES = [
    "name",
    "keyword",
    "type",
    "info",
    "is_retired",
    "is_private",
    "is_valid",
    "is_transfer_syntax",
]


def _compare_uid(text: str) -> None:
    ours, theirs = UID(text), puid.UID(text)
    assert ours == theirs and str(ours) == str(theirs) and repr(ours) == repr(theirs)
    for prop in UID_PROPERTIES:
        assert getattr(ours, prop) == getattr(theirs, prop), (text, prop)
    for prop in TS_PROPERTIES:
        if prop == "is_deflated" and text in DEFLATED_JPIP:
            assert ours.is_deflated and not theirs.is_deflated
            continue
        try:
            expected = getattr(theirs, prop)
        except ValueError:
            with pytest.raises(ValueError, match="UID is not a transfer syntax"):
                getattr(ours, prop)
        else:
            assert getattr(ours, prop) == expected, (text, prop)


def test_every_registry_uid_matches_pydicom() -> None:
    from pydicom._uid_dict import UID_dictionary

    for text in UID_dictionary:
        _compare_uid(text)


@pytest.mark.parametrize(
    "text",
    [
        "1.2.3.4",
        "1.2.840.10008.1.2.4.999",  # in the DICOM root, not registered
        "1.2.840.10008",
        "2.25.329800735698586629295641978511506172918",
        "1.2.03.4",  # leading zero
        "1.2.3.",
        "1.2.a",
        "",
        "1." + "1" * 64,  # too long
        " 1.2.840.10008.1.2 ",  # stripped, as pydicom
    ],
)
def test_other_uids_match_pydicom(text: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about invalid UIDs
        _compare_uid(text)


def test_uid_beyond_pydicom() -> None:
    # Newer than pydicom 3.0.2's table, known to the reader's registry.
    frames = UID("1.2.840.10008.1.2.8.1")
    assert frames.is_transfer_syntax and frames.is_compressed and not frames.is_implicit_VR
    # GE's private implicit VR big endian syntax, which the reader reads.
    ge = UID("1.2.840.113619.5.2")
    assert ge.is_private and ge.is_transfer_syntax
    assert ge.is_implicit_VR and not ge.is_little_endian


def test_private_encoding_matches_pydicom() -> None:
    for implicit in (True, False):
        for little in (True, False):
            ours, theirs = UID("1.2.3.4.5"), puid.UID("1.2.3.4.5")
            assert not ours.is_transfer_syntax
            ours.set_private_encoding(implicit, little)
            theirs.set_private_encoding(implicit, little)
            for prop in ["is_transfer_syntax", *TS_PROPERTIES]:
                assert getattr(ours, prop) == getattr(theirs, prop), prop
            copied = UID(ours)
            assert copied.is_implicit_VR == implicit and copied.is_little_endian == little
            clone = pickle.loads(pickle.dumps(ours))
            assert type(clone) is UID and clone.is_implicit_VR == implicit
    # A public UID keeps the registry's encoding, as in pydicom.
    ts = UID("1.2.840.10008.1.2.1")
    ts.set_private_encoding(True, False)
    assert not ts.is_implicit_VR and ts.is_little_endian


def test_uid_is_a_str() -> None:
    u = UID("1.2.840.10008.1.2")
    assert u == "1.2.840.10008.1.2" and hash(u) == hash("1.2.840.10008.1.2")
    assert isinstance(u, str) and u in {"1.2.840.10008.1.2"}
    with pytest.raises(TypeError):
        UID(1.2)  # type: ignore[arg-type]


# --- DA, TM, DT ----------------------------------------------------------------------

DA_TEXTS = ["20240131", "19991231", "2004.07.01", "", "  ", "00010101"]
TM_TEXTS = [
    "12",
    "1230",
    "123045",
    "123045.5",
    "123045.123456",
    "235959.",
    "000000",
    "",
    "123060",
    "07",
]
DT_TEXTS = [
    "2024",
    "202401",
    "20240131",
    "2024013112",
    "202401311230",
    "20240131123045",
    "20240131123045.25",
    "20240131123045.123456+0100",
    "20240131123045-0530",
    "20240131+1400",
    "20240131123060",
    "",
]
BAD = {
    "DA": ["2024013", "2024-01-31", "20241301", "abcdefgh"],
    "TM": ["24", "1260", "12:30", "1", "12304a"],
    "DT": ["20", "2024133", "202413", "abc", "20240131123045.1234567890123"],
}


def _pair(kind: str, arg: Any) -> tuple[Any, Any]:
    ours_cls = {"DA": DA, "TM": TM, "DT": DT}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours_cls(arg), getattr(pvr, kind)(arg)


@pytest.mark.parametrize(
    ("kind", "text"),
    [("DA", t) for t in DA_TEXTS] + [("TM", t) for t in TM_TEXTS] + [("DT", t) for t in DT_TEXTS],
)
def test_dates_and_times_match_pydicom(kind: str, text: str) -> None:
    ours, theirs = _pair(kind, text)
    if theirs is None:
        assert ours is None
        return
    assert ours == theirs and str(ours) == str(theirs) and repr(ours) == repr(theirs)
    if kind == "DT":
        assert ours.utcoffset() == theirs.utcoffset()
        assert ours.tzname() == theirs.tzname()
    # From the datetime object of the value: the same text as pydicom makes.
    base: Any = {"DA": datetime.date, "TM": datetime.time, "DT": datetime.datetime}[kind]
    plain = base.fromisoformat(ours.isoformat())
    ours2, theirs2 = _pair(kind, plain)
    assert type(ours2).__name__ == kind and ours2 == plain
    assert str(ours2) == str(theirs2) and repr(ours2) == repr(theirs2)
    # Of another value of the class: its text kept.
    assert str(_pair(kind, ours)[0]) == str(ours)


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, ts in BAD.items() for t in ts])
def test_bad_dates_and_times_raise_like_pydicom(kind: str, text: str) -> None:
    ours_cls = {"DA": DA, "TM": TM, "DT": DT}[kind]
    with pytest.raises(ValueError) as theirs:
        getattr(pvr, kind)(text)
    with pytest.raises(ValueError) as ours:
        ours_cls(text)
    assert str(ours.value) == str(theirs.value)


def test_leap_second_warns() -> None:
    with pytest.warns(UserWarning, match="changing to '59'"):
        assert TM("235960") == datetime.time(23, 59, 59)
    with pytest.warns(UserWarning, match="changing to '59'"):
        assert DT("20161231235960").second == 59


def test_datetime_arguments_and_none() -> None:
    assert DA(None) is None and TM(None) is None and DT(None) is None
    assert DA(2024, 1, 31) == datetime.date(2024, 1, 31)
    assert TM(12, 30) == datetime.time(12, 30)
    assert DT(2024, 1, 31, 12) == datetime.datetime(2024, 1, 31, 12)
    assert isinstance(DA("20240131"), datetime.date)
    tz = datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))
    assert str(DT(datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=tz))) == (
        "20240102030405.000006-0530"
    )


@pytest.mark.parametrize("value", [DA("20240131"), TM("123045.5"), DT("20240131123045+0100")])
def test_dates_and_times_pickle(value: Any) -> None:
    clone = pickle.loads(pickle.dumps(value))
    assert type(clone) is type(value) and clone == value and str(clone) == str(value)
