"""DICOMDIR file-sets: rs_dicom.FileSet against pydicom's FileSet and DCMTK (dcmgpdir, dcmdump,
dciodvfy), in both directions: what they build we read, what we build they read."""

from __future__ import annotations

import random
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
import rs_dicom
from helpers import SAMPLE, reference_tool
from rs_dicom.fileset import FileSet

pydicom = pytest.importorskip("pydicom")
from pydicom.fileset import FileSet as PydicomFileSet  # noqa: E402

DIRTESTS = Path(pydicom.data.get_testdata_file("DICOMDIR")).parent  # type: ignore[arg-type]
# pydicom's test DICOMDIRs: the same 31 instances in every encoding and record order.
READABLE = ["DICOMDIR", "DICOMDIR-implicit", "DICOMDIR-bigEnd", "DICOMDIR-reordered"]
PATIENT_DIRS = ["77654033", "98892001", "98892003"]


def _instances(fs: Any) -> dict[str, tuple[Any, ...]]:
    """What both FileSet classes say of each instance, by SOP Instance UID."""
    return {
        str(i.SOPInstanceUID): (
            Path(i.path).resolve(),
            str(i.PatientID),
            str(i.StudyInstanceUID),
            str(i.SeriesInstanceUID),
            str(i.node.record_type),
            str(i.SOPClassUID),
        )
        for i in fs
    }


def _offsets(fs: PydicomFileSet) -> list[tuple[int, str]]:
    return sorted((node._offset, node.record_type) for node in fs._tree)


def _our_offsets(fs: FileSet) -> list[tuple[int, str]]:
    return sorted((node.offset, node.record_type) for node in fs._nodes())


@pytest.mark.parametrize("name", [*READABLE, "TINY_ALPHA/DICOMDIR", "DICOMDIR-empty.dcm"])
def test_reads_pydicom_data_dicomdirs_as_pydicom(name: str) -> None:
    path = DIRTESTS / name
    ours = FileSet(path)
    with pytest.warns() if name in ("DICOMDIR-implicit", "DICOMDIR-bigEnd") else _nothing():
        theirs = PydicomFileSet(path)
    assert len(ours) == len(theirs)
    assert _instances(ours) == _instances(theirs)
    assert _our_offsets(ours) == _offsets(theirs)
    assert ours.ID == theirs.ID
    assert ours.UID == theirs.UID


class _nothing:  # noqa: N801 - a stand-in for a context manager
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def test_find_find_values_and_load_agree_with_pydicom() -> None:
    ours = FileSet(DIRTESTS / "DICOMDIR")
    theirs = PydicomFileSet(DIRTESTS / "DICOMDIR")
    for query in (
        {"Modality": "CT"},
        {"PatientID": "77654033"},
        {"Modality": "MR", "SeriesNumber": 2},
    ):
        found = sorted(i.SOPInstanceUID for i in ours.find(**query))
        assert found == sorted(i.SOPInstanceUID for i in theirs.find(**query))
        assert found
    for keyword in ("PatientID", "StudyInstanceUID", "Modality"):
        assert ours.find_values(keyword) == theirs.find_values(keyword)
    both = ours.find_values(["PatientID", "Modality"])
    assert isinstance(both, dict) and both["Modality"] == theirs.find_values("Modality")
    ct = ours.find(Modality="CT", load=True)
    assert len(ct) == len(theirs.find(Modality="CT", load=True))
    for instance in ct[:3]:
        ds = instance.load()
        assert ds.SOPInstanceUID == instance.SOPInstanceUID
        assert ds.PatientID == instance.PatientID


def test_records_are_shared_with_their_parents() -> None:
    fs = FileSet(DIRTESTS / "DICOMDIR")
    instance = next(iter(fs))
    assert [n.record_type for n in instance.node.ancestors] == ["PATIENT", "STUDY", "SERIES"]
    assert "PatientName" in instance and "NoSuchKeyword" not in instance
    with pytest.raises(AttributeError):
        _ = instance.NoSuchKeyword
    assert instance["PatientID"].value == instance.PatientID
    assert "Managed instances: 31" in str(fs)


def _copy_patients(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in PATIENT_DIRS:
        shutil.copytree(DIRTESTS / name, target / name)
    return target


def _dcmgpdir(root: Path, *args: str, tool_name: str = "dcmgpdir") -> None:
    tool = reference_tool(tool_name)
    proc = subprocess.run(
        [tool, *args, "+r", "+id", str(root), *PATIENT_DIRS],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_reads_what_dcmgpdir_builds(tmp_path: Path) -> None:
    root = _copy_patients(tmp_path / "cd")
    _dcmgpdir(root)
    ours = FileSet(root / "DICOMDIR")
    theirs = PydicomFileSet(root / "DICOMDIR")
    assert len(ours) == 31
    assert _instances(ours) == _instances(theirs)
    assert _our_offsets(ours) == _offsets(theirs)
    on_disk = {p.resolve() for p in root.rglob("*") if p.is_file() and p.name != "DICOMDIR"}
    assert {v[0] for v in _instances(ours).values()} == on_disk


def test_reads_what_dcmmkdir_builds(tmp_path: Path) -> None:
    root = _copy_patients(tmp_path / "cd")
    _dcmgpdir(root, "-Pgp", tool_name="dcmmkdir")
    ours = FileSet(root / "DICOMDIR")
    theirs = PydicomFileSet(root / "DICOMDIR")
    assert len(ours) == 31
    assert _instances(ours) == _instances(theirs)
    assert _our_offsets(ours) == _offsets(theirs)


def _dciodvfy_errors(path: Path) -> list[str]:
    tool = reference_tool("dciodvfy")
    proc = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    return [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("Error")]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "rs_dicom.cli", *args], capture_output=True, text=True, check=False
    )


def test_what_we_build_dcmtk_and_pydicom_read(tmp_path: Path) -> None:
    ours_root = _copy_patients(tmp_path / "ours")
    result = _cli("dicomdir", str(ours_root), "--id", "RS_TEST")
    assert result.returncode == 0, result.stderr
    assert "31 instances of 2 patients (31 added" in result.stdout
    dicomdir = ours_root / "DICOMDIR"
    subprocess.run([reference_tool("dcmdump"), str(dicomdir)], check=True, capture_output=True)
    assert _dciodvfy_errors(dicomdir) == []
    theirs = PydicomFileSet(dicomdir)
    ours = FileSet(dicomdir)
    assert ours.ID == theirs.ID == "RS_TEST"
    assert _instances(ours) == _instances(theirs)
    assert _our_offsets(ours) == _offsets(theirs)
    # The same tree as DCMTK builds over the same files.
    dcmtk_root = _copy_patients(tmp_path / "dcmtk")
    _dcmgpdir(dcmtk_root)
    dcmtk = FileSet(dcmtk_root / "DICOMDIR")

    def relative(fs: FileSet) -> set[tuple[Any, ...]]:
        return {(i.FileID, i.PatientID, i.StudyInstanceUID, i.SeriesInstanceUID) for i in fs}

    assert relative(ours) == relative(dcmtk)


def test_dcmgpdir_updates_what_we_build(tmp_path: Path) -> None:
    root = _copy_patients(tmp_path / "cd")
    extra = root / "77654033" / "CT2" / "17106"
    aside = tmp_path / "aside"
    shutil.move(extra, aside)
    assert _cli("dicomdir", str(root)).returncode == 0
    assert len(FileSet(root / "DICOMDIR")) == 30
    (root / "NEW").mkdir()
    shutil.move(aside, root / "NEW" / "IM1")
    proc = subprocess.run(
        [reference_tool("dcmgpdir"), "+U", "+id", str(root), "NEW/IM1"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(FileSet(root / "DICOMDIR")) == 31
    assert len(PydicomFileSet(root / "DICOMDIR")) == 31


def test_new_file_set_add_write_remove(tmp_path: Path) -> None:
    fs = FileSet()
    assert len(fs) == 0 and fs.is_staged
    sources = sorted(p for p in (DIRTESTS / "98892001").rglob("*") if p.is_file())
    for path in sources[:3]:
        fs.add(path)
    fs.add(rs_dicom.dcmread(SAMPLE))
    again = fs.add(sources[0])  # already there: the same instance comes back
    assert again.SOPInstanceUID == str(pydicom.dcmread(sources[0]).SOPInstanceUID)
    assert len(fs) == 4
    fs.ID = "NEW_SET"
    out = tmp_path / "out"
    fs.write(out)
    assert not fs.is_staged and fs.path == str(out)
    theirs = PydicomFileSet(out / "DICOMDIR")
    assert len(theirs) == 4 and theirs.ID == "NEW_SET"
    assert _instances(fs) == _instances(theirs)
    for instance in fs:
        assert all(len(part) <= 8 for part in instance.node.file_id)
        assert instance.load().SOPInstanceUID == instance.SOPInstanceUID
    assert _dciodvfy_errors(out / "DICOMDIR") == []
    # Removing: the record goes, and its file is deleted when written (as pydicom does).
    gone = fs.find(SOPInstanceUID=str(rs_dicom.dcmread(SAMPLE).SOPInstanceUID))
    assert not gone  # SOPInstanceUID is not a record key: find works on record values
    victim = next(i for i in fs if i.Modality == "CT" and Path(i.path).exists())
    victim_path = Path(victim.path)
    fs.remove(victim)
    fs.write()
    assert not victim_path.exists()
    assert len(PydicomFileSet(out / "DICOMDIR")) == 3
    assert len(FileSet(out / "DICOMDIR")) == 3


def test_adding_to_a_dcmtk_file_set(tmp_path: Path) -> None:
    root = _copy_patients(tmp_path / "cd")
    _dcmgpdir(root)
    fs = FileSet(root / "DICOMDIR")
    added = fs.add(SAMPLE)
    assert added.for_addition
    fs.write()
    assert len(PydicomFileSet(root / "DICOMDIR")) == 32
    # The instances DCMTK put there keep their File IDs.
    assert {i.FileID for i in FileSet(root / "DICOMDIR")} >= {str(Path("77654033", "CR1", "6154"))}
    assert _dciodvfy_errors(root / "DICOMDIR") == []


def test_cli_reports_bad_files_and_updates(tmp_path: Path) -> None:
    root = _copy_patients(tmp_path / "cd")
    (root / "README.TXT").write_text("not DICOM")
    shutil.copyfile(DIRTESTS / "DICOMDIR", root / "77654033" / "DICOMDIR")  # skipped too
    shutil.copyfile(SAMPLE, root / "ct.dcm")  # no valid File ID: lower case and a dot
    result = _cli("dicomdir", str(root))
    assert result.returncode == 1
    assert "ct.dcm" in result.stderr and "File ID" in result.stderr
    assert "1 file left out, 2 not DICOM" in result.stdout
    assert len(FileSet(root / "DICOMDIR")) == 31
    # Updating: a file gone is dropped, a new one is added, --remove deletes one.
    (root / "ct.dcm").rename(root / "CT1")
    (root / "77654033" / "CR1" / "6154").unlink()
    removed = root / "77654033" / "CR2" / "6247"
    result = _cli("dicomdir", str(root), "--remove", str(removed))
    assert result.returncode == 0, result.stderr
    assert "(1 added, 29 kept, 2 removed)" in result.stdout
    assert not removed.exists()
    assert len(PydicomFileSet(root / "DICOMDIR")) == 30


def test_meta_prints_the_record_tree(tmp_path: Path) -> None:
    result = _cli("meta", str(DIRTESTS / "DICOMDIR"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# File-set ID: PYDICOM_TEST") and "31 instances" in lines[0]
    assert lines[1] == "PATIENT: PatientID='77654033', PatientName='Doe^Archibald'"
    assert sum(line.strip().startswith("IMAGE:") for line in lines) == 31
    assert "      IMAGE: InstanceNumber=1, File ID: 77654033/CR1/6154" in lines
    elements = _cli("meta", "--elements", str(DIRTESTS / "DICOMDIR"))
    assert "DirectoryRecordSequence" in elements.stdout


def test_file_ids_follow_the_standard() -> None:
    from rs_dicom import _core

    assert _core._dicomdir_check_file_id("PT000000/ST000000") == ["PT000000", "ST000000"]
    for bad in ("lower", "TOOLONGNAME", "A.DCM", "A/B/C/D/E/F/G/H/I", ""):
        with pytest.raises(rs_dicom.DicomError):
            _core._dicomdir_check_file_id(bad)
    with pytest.raises(rs_dicom.DicomError, match="not inside"):
        _core._dicomdir_file_id("/data/set", "/elsewhere/IM1")


def test_damaged_offsets_are_errors_not_crashes(tmp_path: Path) -> None:
    data = bytearray((DIRTESTS / "DICOMDIR").read_bytes())
    ds = rs_dicom.dcmread(DIRTESTS / "DICOMDIR")
    spots = [
        e.offset
        for item in ds.DirectoryRecordSequence
        for e in item
        if e.keyword
        in ("OffsetOfTheNextDirectoryRecord", "OffsetOfReferencedLowerLevelDirectoryEntity")
    ]
    rng = random.Random(14)
    outcomes = {"read": 0, "error": 0}
    for _ in range(200):
        damaged = bytearray(data)
        for spot in rng.sample(spots, 3):
            value = rng.choice([0, 1, len(data) - 8, rng.randrange(0, 1 << 32)])
            damaged[spot + 8 : spot + 12] = value.to_bytes(4, "little")
        try:
            FileSet(rs_dicom.dcmread(bytes(damaged)))
            outcomes["read"] += 1
        except rs_dicom.DicomError as exc:
            assert "offset" in str(exc)
            outcomes["error"] += 1
    assert outcomes["error"] > 50


def test_not_a_dicomdir() -> None:
    with pytest.raises(ValueError, match="not a DICOMDIR"):
        FileSet(SAMPLE)


def _record_of(fs: Any, path: Path) -> tuple[str | None, set[str]]:
    """The record type and keywords of the record a file gets, or (None, {error type})."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            node = fs.add(path).node
        except Exception as exc:  # noqa: BLE001 - any refusal counts, compared by outcome
            return None, {type(exc).__name__}
    # Offsets and File IDs are set on writing (pydicom leaves staged records without them).
    structural = {
        "OffsetOfTheNextDirectoryRecord",
        "OffsetOfReferencedLowerLevelDirectoryEntity",
        "ReferencedFileID",
    }
    record = node._record if isinstance(fs, PydicomFileSet) else node.record
    keywords = {e.keyword for e in record if e.value not in (None, "", [])} - structural
    return node.record_type, keywords


def test_records_of_every_corpus_file_match_pydicom() -> None:
    """Every file of pydicom and pydicom-data added to a new file-set: the same record type
    and the same non-empty keys as pydicom's, or refused by both."""
    from conformance import corpus_files

    compared = refused = 0
    for path in corpus_files():
        theirs = _record_of(PydicomFileSet(), path)
        ours = _record_of(FileSet(), path)
        if theirs[0] is None:
            # pydicom refuses: a Type 1 key missing or empty, or not an instance at all.
            assert ours[0] is None, (path.name, theirs, ours)
            refused += 1
            continue
        assert ours[0] == theirs[0], (path.name, theirs, ours)
        # pydicom writes empty Type 2 keys as None, we as empty values: only the filled ones.
        assert ours[1] - {"SpecificCharacterSet"} == theirs[1] - {"SpecificCharacterSet"}, path.name
        compared += 1
    assert compared > 150 and refused > 0


_FILLERS = {
    "PatientID": "PID1",
    "StudyDate": "20260101",
    "StudyTime": "120000",
    "StudyID": "1",
    "StudyInstanceUID": "1.2.3.4",
    "SeriesInstanceUID": "1.2.3.4.5",
    "SeriesNumber": "1",
    "InstanceNumber": "1",
    "Modality": "OT",
    "ContentDate": "20260101",
    "ContentTime": "120000",
    "CompletionFlag": "COMPLETE",
    "VerificationFlag": "UNVERIFIED",
    "StructureSetLabel": "SS",
    "RTPlanLabel": "PLAN",
    "DoseSummationType": "PLAN",
}


@pytest.mark.parametrize(
    "name",
    ["rtplan.dcm", "rtdose.dcm", "rtstruct.dcm", "test-SR.dcm", "reportsi.dcm", "waveform_ecg.dcm"],
)
def test_leaf_record_types_match_pydicom(name: str, tmp_path: Path) -> None:
    """Non-image instances (RT, SR, waveforms), completed with the Type 1 keys the corpus
    files lack, get pydicom's record type and keys; the file-set reads back in pydicom."""
    ds = pydicom.dcmread(pydicom.data.get_testdata_file(name), force=True)
    if "TransferSyntaxUID" not in ds.file_meta:  # rtstruct.dcm: a bare dataset
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    for keyword, value in _FILLERS.items():
        if keyword not in ds or ds[keyword].VM == 0:
            setattr(ds, keyword, value)
    path = tmp_path / "IN1"
    ds.save_as(path, enforce_file_format=True)
    theirs = _record_of(PydicomFileSet(), path)
    fs = FileSet()
    ours = _record_of(fs, path)
    assert theirs[0] not in (None, "IMAGE") or name == "waveform_ecg.dcm"
    assert ours[0] == theirs[0]
    assert ours[1] - {"SpecificCharacterSet"} == theirs[1] - {"SpecificCharacterSet"}
    fs.write(tmp_path / "set")
    assert [n.record_type for n in PydicomFileSet(tmp_path / "set" / "DICOMDIR")._tree][-1] == ours[
        0
    ]
    assert _dciodvfy_errors(tmp_path / "set" / "DICOMDIR") == []


def test_write_elsewhere_copies_the_file_set(tmp_path: Path) -> None:
    source = FileSet(DIRTESTS / "DICOMDIR")
    source.write(tmp_path / "copy")
    assert source.path == str(tmp_path / "copy")
    theirs = PydicomFileSet(tmp_path / "copy" / "DICOMDIR")
    assert len(theirs) == 31
    assert _instances(source) == _instances(theirs)
    for instance in source:
        original = DIRTESTS.joinpath(*instance.node.file_id)
        assert Path(instance.path).read_bytes() == original.read_bytes()
    # Written in Implicit VR Little Endian on request (pydicom's force_implicit).
    source.write(force_implicit=True)
    ds = rs_dicom.dcmread(tmp_path / "copy" / "DICOMDIR")
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    assert len(FileSet(tmp_path / "copy" / "DICOMDIR")) == 31
