"""The typed keyword attributes of `Dataset` (python/rs_dicom/_keywords.pyi): type checkers
catch wrong assignments in user code, editors get every keyword, and the types are those the
runtime returns."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from rs_dicom import _core
from rs_dicom.tag import Tag
from rs_dicom.valuerep import UID, PersonName

PACKAGE = Path(rs_dicom.__file__).parent

# `# E` marks the lines mypy must report, and only those.
USER_CODE = """\
import datetime

import rs_dicom
from rs_dicom import UID, PersonName
from rs_dicom.uid import ExplicitVRLittleEndian
from rs_dicom.valuerep import DA

ds = rs_dicom.dcmread("image.dcm")
new_uid: UID = rs_dicom.uid.generate_uid()
ds.SOPInstanceUID = new_uid
ds.TransferSyntaxUID = ExplicitVRLittleEndian
little: bool = ExplicitVRLittleEndian.is_little_endian
pn: PersonName = ds.PatientName
ds.StudyDate = datetime.date(2024, 1, 31)
ds.StudyDate = DA("20240131")
ds.StudyDate = 20240131  # E
ds.StudyTime = datetime.time(12, 30)
ds.Rows = "x"  # E
ds.Rows = 5
ds.Rows = None
name: str = ds.PatientName.family_name
ds.PatientName = "Doe^Jane"
ds.PatientName = 3  # E
rows: str = ds.Rows  # E
ds.ImagePositionPatient = [1.0, 2.0, 3.5]
ds.ImagePositionPatient = (1, 2, 3)
ds.PixelSpacing = 0.5  # E
ds.WindowCenter = 40.0
ds.WindowCenter = [40.0, 400]
ds.InstanceNumber = "7"
ds.PixelData = b"\\0\\0"
ds.PixelData = 3  # E
ds.ReferencedImageSequence = [ds]
ds.ReferencedImageSequence = [1]  # E
item = ds.ReferencedImageSequence[0]
uid_ok: bool = ds.SOPInstanceUID.is_valid
ts: bool = ds.file_meta.TransferSyntaxUID.is_compressed if ds.file_meta else False
ds.NotAKeywordAtAll  # __getattr__: Any
other = rs_dicom.dcmread("other.dcm")  # not narrowed by the assignments above
reveal_type(other.PatientName)
reveal_type(other.Rows)
reveal_type(other.ImagePositionPatient)
reveal_type(other.WindowCenter)
reveal_type(other.ReferencedImageSequence)
reveal_type(other.ReferencedImageSequence[0])
reveal_type(other.PixelData)
reveal_type(other.SOPInstanceUID)
reveal_type(other.FrameIncrementPointer)
"""

REVEALED = [
    "rs_dicom.valuerep.PersonName",
    "int",
    "list[float]",
    "float | list[float]",
    "typing.MutableSequence[rs_dicom._core.Dataset]",
    "rs_dicom._core.Dataset",
    "memoryview",
    "rs_dicom.valuerep.UID",
    "rs_dicom.tag.Tag | list[rs_dicom.tag.Tag]",
]


def _normalise(revealed: str) -> str:
    """A revealed type as recent mypy versions print it."""
    return revealed.replace("builtins.", "").replace("memoryview[int]", "memoryview")


def test_mypy_checks_user_code(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    snippet = tmp_path / "user_code.py"
    snippet.write_text(USER_CODE, encoding="utf-8")
    (tmp_path / "none.toml").write_text("", encoding="utf-8")  # not the project's config
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--config-file",
            str(tmp_path / "none.toml"),
            str(snippet),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    out = proc.stdout + proc.stderr
    errors = sorted(int(m[1]) for m in re.finditer(r"user_code\.py:(\d+): error:", out))
    expected = [i for i, line in enumerate(USER_CODE.splitlines(), 1) if line.endswith("# E")]
    assert errors == expected, out
    revealed = [_normalise(t) for t in re.findall(r'Revealed type is "([^"]+)"', out)]
    assert revealed == REVEALED, out


def _stub_properties() -> dict[str, tuple[str, str]]:
    """keyword → (getter annotation, setter value annotation) of the generated stub."""
    tree = ast.parse((PACKAGE / "_keywords.pyi").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    getters: dict[str, str] = {}
    setters: dict[str, str] = {}
    for node in cls.body[1:]:  # after the docstring
        assert isinstance(node, ast.FunctionDef) and node.returns is not None
        (decorator,) = node.decorator_list
        if isinstance(decorator, ast.Name) and decorator.id == "property":
            getters[node.name] = ast.unparse(node.returns)
            assert ast.get_docstring(node), node.name  # the editor's hover text
        else:
            assert ast.unparse(decorator) == f"{node.name}.setter"
            value = node.args.args[1].annotation
            assert value is not None
            setters[node.name] = ast.unparse(value)
    assert getters.keys() == setters.keys()
    return {k: (getters[k], setters[k]) for k in getters}


def test_every_keyword_is_a_property() -> None:
    """Completion data: each keyword of the dictionary (retired and repeating-group ones
    too) is a typed property with a getter, a setter and a docstring."""
    props = _stub_properties()
    keywords = {e[6] for e in _core.dictionary_entries() if e[6] and e[2] != "NONE"}
    assert len(keywords) > 5000
    assert set(props) == keywords
    assert props["PatientName"] == ("_PersonName", "str | None")
    assert props["Rows"] == ("int", "int | None")
    assert props["ImagePositionPatient"][0] == "list[float]"
    assert props["OverlayData"] == ("memoryview", "_Bytes | None")  # 60xx3000
    assert props["SmoothingType"][0] == "str"  # retired
    # The stubs' Dataset inherits them.
    core = ast.parse((PACKAGE / "_core.pyi").read_text(encoding="utf-8"))
    (dataset,) = [n for n in core.body if isinstance(n, ast.ClassDef) and n.name == "Dataset"]
    assert [ast.unparse(b) for b in dataset.bases] == ["_DatasetKeywords"]


# What each name of the stub's annotations is at runtime.
_RUNTIME_TYPES: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "memoryview": memoryview,
    "_PersonName": PersonName,
    "_UID": UID,
    "_Tag": Tag,
}


def _matches(value: Any, annotation: str) -> bool:
    for alternative in annotation.split(" | "):
        if alternative.startswith("list["):
            inner = alternative[5:-1]
            if isinstance(value, list) and all(_matches(v, inner) for v in value):
                return True
        elif alternative == "_Sequence":
            if all(isinstance(item, rs_dicom.Dataset) for item in value):
                return True
        elif isinstance(value, _RUNTIME_TYPES[alternative]) and not isinstance(value, bool):
            return True
    return False


def _elements(ds: Any) -> Iterator[Any]:
    for elem in ds:
        if elem.is_truncated:
            continue
        yield elem
        if elem.vr == "SQ":
            for item in elem.value:
                yield from _elements(item)


# Values that do not fit their VR, which the reader returns as text.
INVALID_VALUES = {("badVR.dcm", "NumberOfFrames")}


def test_stub_types_are_what_the_runtime_returns() -> None:
    """Every keyword element of every pydicom / pydicom-data file reads as its property's
    type says (values that break their VR aside)."""
    pytest.importorskip("pydicom")
    from conformance import corpus_files

    props = _stub_properties()
    checked = 0
    wrong = []
    for path in corpus_files():
        try:
            ds = rs_dicom.dcmread(path)
            elements = list(_elements(ds))
        except rs_dicom.DicomError:
            continue
        for elem in elements:
            keyword = elem.keyword
            if keyword not in props or elem.length == 0:
                continue
            try:
                value = elem.value
            except rs_dicom.DicomError:
                continue
            checked += 1
            if not _matches(value, props[keyword][0]) and (path.name, keyword) not in (
                INVALID_VALUES
            ):
                wrong.append(f"{path.name} {keyword}: {textwrap.shorten(repr(value), 60)}")
    assert checked > 10000
    assert not wrong, wrong[:20]
