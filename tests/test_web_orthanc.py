"""rs_dicom.web.Client against Orthanc's DICOMweb plugin: QIDO-RS filters, WADO-RS
instances (element by element, pixel by pixel, byte for byte), frames, metadata, STOW-RS
then read back; the same queries through dicomweb-client give the same answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
import rs_dicom
from net_support import assert_same_instance, pydicom_file
from orthanc_support import PASSWORD, USER, Orthanc, unique_copy
from rs_dicom import web

FILES = ["CT_small.dcm", "MR_small.dcm", "emri_small.dcm", "rtplan.dcm"]


def client(o: Orthanc) -> web.Client:
    return web.Client(o.dicomweb_url, auth=(USER, PASSWORD))


def reference(o: Orthanc):  # type: ignore[no-untyped-def]
    dicomweb_client = pytest.importorskip("dicomweb_client")
    import requests

    session = requests.Session()
    session.auth = (USER, PASSWORD)
    return dicomweb_client.DICOMwebClient(o.dicomweb_url, session=session)


@pytest.fixture
def loaded(orthanc: Orthanc, tmp_path: Path) -> dict[str, Path]:
    """Orthanc holding FILES and an RLE copy of MR_small, by SOP Instance UID."""
    out = {}
    for p in [*(pydicom_file(n) for n in FILES), unique_copy("MR_small_RLE.dcm", tmp_path)]:
        orthanc.upload(p)
        out[pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID] = p
    return out


def _same_urls(results: object, o: Orthanc) -> object:
    """The answers with Orthanc's own URLs (RetrieveURL, BulkDataURI) made relative: Orthanc
    builds them from the Host header, which dicomweb-client (requests) sends without the port
    and urllib with it."""
    import json

    text = json.dumps(results).replace(o.url, "").replace("http://127.0.0.1/", "/")
    return json.loads(text)


def _uids(results: list[dict], tag: str) -> list[str]:
    return sorted(r[tag]["Value"][0] for r in results)


def _headers(paths: list[Path]) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in paths]


def test_search_levels_and_filters(orthanc: Orthanc, loaded: dict[str, Path]) -> None:
    c = client(orthanc)
    heads = _headers(list(loaded.values()))
    studies = c.search_for_studies()
    assert _uids(studies, "0020000D") == sorted({h.StudyInstanceUID for h in heads})
    series = c.search_for_series()
    assert _uids(series, "0020000E") == sorted({h.SeriesInstanceUID for h in heads})
    instances = c.search_for_instances()
    assert _uids(instances, "00080018") == sorted(loaded)
    # Attribute matching: PatientID and Modality against what pydicom reads from the sources.
    pid = heads[0].PatientID
    want = sorted({h.StudyInstanceUID for h in heads if h.PatientID == pid})
    got = c.search_for_studies(search_filters={"PatientID": pid})
    assert _uids(got, "0020000D") == want
    want = sorted(h.SOPInstanceUID for h in heads if h.Modality == "MR")
    got = c.search_for_instances(search_filters={"Modality": "MR"})
    assert _uids(got, "00080018") == want
    # Study level, then series within it; limit and offset page through the studies.
    study = heads[1].StudyInstanceUID
    got = c.search_for_series(study, fields=["SeriesDescription"])
    assert _uids(got, "0020000E") == sorted(
        {h.SeriesInstanceUID for h in heads if h.StudyInstanceUID == study}
    )
    page1 = c.search_for_studies(limit=2)
    page2 = c.search_for_studies(limit=2, offset=2)
    assert len(page1) == 2 and not set(_uids(page1, "0020000D")) & set(_uids(page2, "0020000D"))
    every = c.search_for_studies(limit=1, get_remaining=True)
    assert _uids(every, "0020000D") == _uids(studies, "0020000D")
    assert c.search_for_studies(search_filters={"PatientID": "no-such-patient"}) == []
    ds = c.search_for_instances(search_filters={"Modality": "CT"}, as_datasets=True)
    assert [d.SOPInstanceUID for d in ds] == [h.SOPInstanceUID for h in heads if h.Modality == "CT"]


def test_search_matches_dicomweb_client(orthanc: Orthanc, loaded: dict[str, Path]) -> None:
    ref = reference(orthanc)
    c = client(orthanc)
    heads = _headers(list(loaded.values()))
    study = heads[0].StudyInstanceUID
    key = lambda r: r["00080018"]["Value"][0] if "00080018" in r else r["0020000E"]["Value"][0]  # noqa: E731
    for ours, theirs in [
        (c.search_for_studies(), ref.search_for_studies()),
        (c.search_for_series(study), ref.search_for_series(study)),
        (
            c.search_for_instances(search_filters={"Modality": "MR"}, fields=["Rows"]),
            ref.search_for_instances(search_filters={"Modality": "MR"}, fields=["Rows"]),
        ),
    ]:
        assert len(ours) == len(theirs) > 0
        if "00080018" in ours[0] or "0020000E" in ours[0]:
            ours, theirs = sorted(ours, key=key), sorted(theirs, key=key)
        assert _same_urls(ours, orthanc) == _same_urls(theirs, orthanc)


def test_retrieve_instance_is_the_stored_file(
    orthanc: Orthanc, loaded: dict[str, Path], tmp_path: Path
) -> None:
    c = client(orthanc)
    for uid, src in loaded.items():
        h = pydicom.dcmread(src, stop_before_pixels=True)
        ds = c.retrieve_instance(h.StudyInstanceUID, h.SeriesInstanceUID, uid)
        assert isinstance(ds, rs_dicom.Dataset)
        out = tmp_path / f"{uid}.dcm"
        ds.save_as(out, enforce_file_format=True)
        assert_same_instance(src, out)


def test_retrieve_study_and_series_stream_every_instance(
    orthanc: Orthanc, loaded: dict[str, Path]
) -> None:
    c = client(orthanc)
    heads = _headers(list(loaded.values()))
    for study in {h.StudyInstanceUID for h in heads}:
        got = c.retrieve_study(study)
        want = sorted(h.SOPInstanceUID for h in heads if h.StudyInstanceUID == study)
        assert sorted(d.SOPInstanceUID for d in got) == want
        for d in got:
            src = pydicom.dcmread(loaded[d.SOPInstanceUID])
            if "PixelData" in src:
                np.testing.assert_array_equal(d.pixel_array, src.pixel_array)
    h = heads[0]
    # Tiny chunks: every boundary straddles reads.
    small = web.Client(orthanc.dicomweb_url, auth=(USER, PASSWORD), chunk_size=7)
    got = list(small.iter_series(h.StudyInstanceUID, h.SeriesInstanceUID))
    assert [d.SOPInstanceUID for d in got] == [h.SOPInstanceUID]


def test_frames_are_the_native_pixels(orthanc: Orthanc, loaded: dict[str, Path]) -> None:
    c = client(orthanc)
    src = pydicom.dcmread(pydicom_file("emri_small.dcm"))
    assert src.NumberOfFrames > 3
    frames = c.retrieve_instance_frames(
        src.StudyInstanceUID, src.SeriesInstanceUID, src.SOPInstanceUID, [1, 3, 4]
    )
    arr = src.pixel_array
    assert [bytes(f) for f in frames] == [arr[i].astype("<u2").tobytes() for i in (0, 2, 3)]
    # dicomweb-client's default Accept for frames (transfer-syntax=*) gets a 400 from
    # Orthanc's plugin: ask both for native frames in explicit VR little endian.
    ref = reference(orthanc).retrieve_instance_frames(
        src.StudyInstanceUID,
        src.SeriesInstanceUID,
        src.SOPInstanceUID,
        [1, 3, 4],
        media_types=(("application/octet-stream", "1.2.840.10008.1.2.1"),),
    )
    assert [bytes(f) for f in frames] == [bytes(f) for f in ref]


def test_metadata_matches_the_source_and_dicomweb_client(
    orthanc: Orthanc, loaded: dict[str, Path]
) -> None:
    c = client(orthanc)
    ref = reference(orthanc)
    src = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    st, se, sop = src.StudyInstanceUID, src.SeriesInstanceUID, src.SOPInstanceUID
    meta = c.retrieve_instance_metadata(st, se, sop)
    theirs = ref.retrieve_instance_metadata(st, se, sop)
    assert _same_urls(meta, orthanc) == _same_urls(theirs, orthanc)
    ds = rs_dicom.Dataset.from_json(meta, bulk_data_uri_handler=lambda *a: b"")
    for kw in ("PatientID", "Rows", "Columns", "SliceThickness", "ImagePositionPatient"):
        assert ds.get(kw) is not None, kw
        ours = ds[kw].value
        theirs = src[kw].value
        assert (list(ours) if isinstance(ours, list) else ours) == (
            [float(x) for x in theirs] if kw == "ImagePositionPatient" else theirs
        )
    series = c.retrieve_series_metadata(st, se)
    assert [m["00080018"]["Value"][0] for m in series] == [sop]
    study = c.retrieve_study_metadata(st)
    assert sorted(m["00080018"]["Value"][0] for m in study) == sorted(
        u
        for u, p in loaded.items()
        if pydicom.dcmread(p, stop_before_pixels=True).StudyInstanceUID == st
    )


def test_store_then_read_back(orthanc: Orthanc, tmp_path: Path) -> None:
    c = client(orthanc)
    paths = [pydicom_file(n) for n in ("CT_small.dcm", "MR_small.dcm")]
    paths.append(unique_copy("MR_small_RLE.dcm", tmp_path))
    items = [rs_dicom.dcmread(paths[0]), str(paths[1]), paths[2].read_bytes()]
    answer = c.store_instances(items)
    refs = answer["00081199"]["Value"]
    assert len(refs) == 3 and not answer.get("00081198", {}).get("Value")
    stored = {r["00081155"]["Value"][0] for r in refs}
    assert stored == {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in paths}
    for p in paths:
        h = pydicom.dcmread(p, stop_before_pixels=True)
        ds = c.retrieve_instance(h.StudyInstanceUID, h.SeriesInstanceUID, h.SOPInstanceUID)
        out = tmp_path / f"{h.SOPInstanceUID}.dcm"
        ds.save_as(out, enforce_file_format=True)
        assert_same_instance(p, out)


def test_raw_parts_are_orthancs_files_byte_for_byte(
    orthanc: Orthanc, loaded: dict[str, Path]
) -> None:
    import urllib.request

    src = pydicom.dcmread(pydicom_file("MR_small.dcm"), stop_before_pixels=True)
    url = f"{orthanc.dicomweb_url}/studies/{src.StudyInstanceUID}"
    req = urllib.request.Request(url)
    # transfer-syntax=*: as stored (without it a server may transcode, Orthanc does for RLE).
    req.add_header("Accept", 'multipart/related; type="application/dicom"; transfer-syntax=*')
    import base64

    req.add_header(
        "Authorization", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    )
    with urllib.request.urlopen(req) as resp:
        body, ctype = resp.read(), resp.headers["Content-Type"]
    parts = web.parse_multipart(body, ctype)
    files = sorted(orthanc.file_of(i) for i in orthanc.instance_ids())
    assert len(parts) == 2  # MR_small and its RLE copy
    for _headers, content in parts:
        assert bytes(content) in files


def test_transfer_syntax_negotiation(orthanc: Orthanc, loaded: dict[str, Path]) -> None:
    """media_types as dicomweb-client takes them: the server sends what it stores (``*``) or
    transcodes to the syntax asked for (the RLE instance decompressed to explicit VR little
    endian here); the pixels stay the source's."""
    c = client(orthanc)
    rle_path = next(p for p in loaded.values() if p.name.startswith("unique_"))
    src = pydicom.dcmread(rle_path)
    assert src.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5"
    ids = (src.StudyInstanceUID, src.SeriesInstanceUID, src.SOPInstanceUID)
    stored = c.retrieve_instance(*ids, media_types=(("application/dicom", "*"),))
    assert stored.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5"
    np.testing.assert_array_equal(stored.pixel_array, src.pixel_array)
    explicit = (("application/dicom", "1.2.840.10008.1.2.1"),)
    plain = c.retrieve_instance(*ids, media_types=explicit)
    assert plain.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    np.testing.assert_array_equal(plain.pixel_array, src.pixel_array)
