"""rs_dicom.net against DCMTK: our SCU to storescp, DCMTK's echoscu and storescu to our SCP.
Everything on 127.0.0.1 with free ports; peers are stopped whatever happens."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import reference_tool
from net_support import (
    LOSSLESS_COMPRESSED,
    UNCOMPRESSED,
    assert_same_instance,
    pydicom_file,
    received,
    storescp,
)
from rs_dicom import net


def test_echo_storescp(tmp_path: Path) -> None:
    with storescp(tmp_path) as port:
        assert net.echo("127.0.0.1", port, called_ae="STORESCP", timeout=10) == 0


@pytest.mark.parametrize("name", UNCOMPRESSED + LOSSLESS_COMPRESSED)
def test_send_to_storescp(tmp_path: Path, name: str) -> None:
    """storescp accepts uncompressed syntaxes only (its default): compressed files are
    decompressed by our SCU on the way; what arrives equals what was sent."""
    src = pydicom_file(name)
    out = tmp_path / "in"
    out.mkdir()
    with storescp(out) as port:
        results = net.send([src], "127.0.0.1", port, called_ae="STORESCP", timeout=10)
    assert [r.status for r in results] == [0], results
    (got,) = received(out)
    assert_same_instance(src, got)


def test_send_many_in_parallel_to_storescp(tmp_path: Path) -> None:
    files = [pydicom_file(n) for n in UNCOMPRESSED + LOSSLESS_COMPRESSED]
    out = tmp_path / "in"
    out.mkdir()
    with storescp(out) as port:
        results = net.send(files, "127.0.0.1", port, called_ae="STORESCP", workers=3, timeout=10)
    assert all(r.ok for r in results), results
    # storescp names files by SOP Instance UID, which some of these files share.
    import pydicom

    uids = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID for f in files}
    assert len(received(out)) == len(uids)


def test_echoscu_to_our_scp(tmp_path: Path) -> None:
    echoscu = reference_tool("echoscu")
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10) as srv:
        proc = subprocess.run(
            [echoscu, "-to", "10", "127.0.0.1", str(srv.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_echoscu_wrong_called_ae_is_rejected(tmp_path: Path) -> None:
    echoscu = reference_tool("echoscu")
    with net.StorageServer(
        0, tmp_path, host="127.0.0.1", ae_title="OUR_SCP", require_called_ae=True, timeout=10
    ) as srv:
        bad = subprocess.run(
            [echoscu, "-aec", "OTHER", "127.0.0.1", str(srv.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        good = subprocess.run(
            [echoscu, "-aec", "OUR_SCP", "127.0.0.1", str(srv.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert bad.returncode != 0
    assert "Called AE Title Not Recognized" in bad.stdout + bad.stderr
    assert good.returncode == 0, good.stdout + good.stderr


@pytest.mark.parametrize("name", UNCOMPRESSED + LOSSLESS_COMPRESSED)
def test_storescu_to_our_scp(tmp_path: Path, name: str) -> None:
    """storescu proposes the file's own syntax (-xs keeps compressed ones as they are): our
    SCP stores the data set as it came, behind a file meta header; the file reads equal."""
    storescu = reference_tool("storescu")
    src = pydicom_file(name)
    # storescu proposes uncompressed syntaxes unless told which compressed one to propose.
    propose = {"MR_small_RLE.dcm": ["-xr"], "MR_small_jp2klossless.dcm": ["-xv"]}.get(name, [])
    with net.StorageServer(0, tmp_path, host="127.0.0.1", timeout=10) as srv:
        proc = subprocess.run(
            [storescu, *propose, "-to", "10", "127.0.0.1", str(srv.port), str(src)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        stats = srv.stats()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stats["stored"] == 1, stats
    (got,) = received(tmp_path)
    assert_same_instance(src, got)
    if propose:
        import pydicom

        ts = pydicom.dcmread(got).file_meta.TransferSyntaxUID
        assert ts == pydicom.dcmread(src).file_meta.TransferSyntaxUID
