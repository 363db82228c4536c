"""``rs-dicom web search|get|store`` against Orthanc's DICOMweb plugin."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pydicom
from net_support import assert_same_instance, pydicom_file
from orthanc_support import PASSWORD, USER, Orthanc
from rs_dicom import cli

FILES = ["CT_small.dcm", "MR_small.dcm", "emri_small.dcm", "rtplan.dcm"]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    parser = cli.build_parser()
    ns = parser.parse_args(["web", *args])
    assert ns.command_spec.check(ns) is None
    status = ns.command_spec.run(ns, out, err)
    return status, out.getvalue(), err.getvalue()


def test_store_search_get(orthanc: Orthanc, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for n in FILES:
        (src / n).write_bytes(pydicom_file(n).read_bytes())
    (src / "junk.txt").write_text("not dicom")
    auth = ["-u", f"{USER}:{PASSWORD}"]
    status, out, err = run("store", orthanc.dicomweb_url, str(src), "--batch", "2", *auth)
    assert status == 1  # the junk file
    assert out.strip() == f"{len(FILES)} of {len(FILES) + 1} files stored, 1 failed"
    assert "junk.txt" in err and err.count("\n") == 1
    assert len(orthanc.instance_ids()) == len(FILES)

    heads = [pydicom.dcmread(pydicom_file(n), stop_before_pixels=True) for n in FILES]
    status, out, _ = run("search", orthanc.dicomweb_url, "--json", "--level", "instances", *auth)
    assert status == 0
    got = sorted(r["00080018"]["Value"][0] for r in json.loads(out))
    assert got == sorted(h.SOPInstanceUID for h in heads)
    ct = heads[0]
    status, out, _ = run("search", orthanc.dicomweb_url, "-k", f"PatientID={ct.PatientID}", *auth)
    lines = out.splitlines()
    want = {h.StudyInstanceUID for h in heads if h.PatientID == ct.PatientID}
    assert lines[-1] == f"{len(want)} studies found"
    assert all(f"StudyInstanceUID={u}" in out for u in want)

    dest = tmp_path / "got"
    status, out, _ = run(
        "get", orthanc.dicomweb_url, "--study", ct.StudyInstanceUID, "-o", str(dest), *auth
    )
    assert status == 0, out
    same_study = [
        n for n, h in zip(FILES, heads, strict=True) if h.StudyInstanceUID == ct.StudyInstanceUID
    ]
    assert out.startswith(f"{len(same_study)} instances")
    for n in same_study:
        uid = pydicom.dcmread(pydicom_file(n), stop_before_pixels=True).SOPInstanceUID
        assert_same_instance(pydicom_file(n), dest / f"{uid}.dcm")


def test_refused_authentication(orthanc: Orthanc) -> None:
    status, out, err = run("search", orthanc.dicomweb_url, "-u", "rs:wrong")
    assert status == 1 and out == ""
    assert "HTTP 401" in err


def test_usage_errors() -> None:
    parser = cli.build_parser()
    for args in (
        ["web", "store", "http://x"],
        ["web", "get", "http://x", "-o", "d"],
        ["web", "search", "http://x", "-k", "nokey"],
        ["web", "search", "http://x", "-u", "nopassword"],
    ):
        ns = parser.parse_args(args)
        assert ns.command_spec.check(ns) is not None, args
