"""Orthanc (Debian ``orthanc`` and ``orthanc-dicomweb``) as a real peer: one server per test
session on free loopback ports, configured from a generated JSON file in a temporary
directory, waited for, always stopped. Missing Orthanc: a skip, or a failure under CI=true.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from net_support import free_port, stop

DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
WORKLIST_PLUGIN = "/usr/share/orthanc/plugins/libModalityWorklists.so"
USER, PASSWORD = "rs", "dicom-secret"


@dataclass
class Orthanc:
    """A running Orthanc: its ports, AE title and REST helpers (basic auth)."""

    dicom_port: int
    http_port: int
    aet: str
    directory: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def rest(self, method: str, path: str, body: Any = None, raw: bool = False) -> Any:
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=60) as resp:
            out = resp.read()
        return out if raw else (json.loads(out) if out.strip() else None)

    def clear(self) -> None:
        """Deletes every patient (each test starts from an empty archive)."""
        for pid in self.rest("GET", "/patients"):
            self.rest("DELETE", f"/patients/{pid}")

    def upload(self, path: Path) -> dict[str, Any]:
        return self.rest("POST", "/instances", path.read_bytes())

    def instance_ids(self) -> list[str]:
        return list(self.rest("GET", "/instances"))

    def file_of(self, instance_id: str) -> bytes:
        return bytes(self.rest("GET", f"/instances/{instance_id}/file", raw=True))


def orthanc_binary() -> str:
    exe = shutil.which("Orthanc", path="/usr/sbin:/usr/bin:/usr/local/bin")
    missing = exe is None or not os.path.exists(DICOMWEB_PLUGIN)
    if missing:
        msg = "Orthanc or its DICOMweb plugin is missing (apt-get install orthanc orthanc-dicomweb)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    assert exe is not None
    return exe


def _config(
    directory: Path, dicom_port: int, http_port: int, aet: str, worklists: Path | None = None
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "Name": "rs_dicom_test",
        "StorageDirectory": str(directory / "storage"),
        "IndexDirectory": str(directory / "index"),
        "DicomAet": aet,
        "DicomPort": dicom_port,
        "HttpPort": http_port,
        "HttpServerEnabled": True,
        "DicomServerEnabled": True,
        # Loopback only: nothing else on the machine can reach the test server.
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: PASSWORD},
        "DicomCheckCalledAet": False,
        "UnknownSopClassAccepted": True,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        # Q/R from any calling AE (C-MOVE destinations must still be registered modalities).
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowGet": True,
        "DicomAlwaysAllowMove": True,
        "StorageCompression": False,
        "OverwriteInstances": True,
        "LimitFindResults": 0,
        "LimitFindInstances": 0,
        "Plugins": [DICOMWEB_PLUGIN],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "Full"},
        "HttpTimeout": 30,
        "StableAge": 1,
    }
    if worklists is not None:
        # Orthanc's sample worklist plugin: C-FIND answered from the .wl files of a folder.
        config["Plugins"] = [DICOMWEB_PLUGIN, WORKLIST_PLUGIN]
        config["Worklists"] = {"Enable": True, "Database": str(worklists)}
        config["DicomAlwaysAllowFindWorklist"] = True
    return config


def _wait_ready(url: str, proc: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    deadline = time.monotonic() + limit
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise AssertionError(f"Orthanc exited with {proc.returncode}:\n{out[-3000:]}")
        try:
            req = urllib.request.Request(url + "/plugins")
            req.add_header("Authorization", f"Basic {token}")
            with urllib.request.urlopen(req, timeout=2) as resp:
                plugins = json.loads(resp.read())
            if "dicom-web" in plugins:
                return
            raise AssertionError(f"the DICOMweb plugin is not loaded: {plugins}")
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = exc
            time.sleep(0.2)
    raise AssertionError(f"Orthanc did not answer within {limit}s: {last}")


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, even by a crash that skips every
    finally (PR_SET_PDEATHSIG), so no Orthanc outlives its session."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_orthanc(worklists: Path | None = None) -> Iterator[Orthanc]:
    """A generator for a fixture: yields a running Orthanc, stops it afterwards; with
    ``worklists``, its worklist plugin serves that folder."""
    exe = orthanc_binary()
    if worklists is not None and not os.path.exists(WORKLIST_PLUGIN):
        msg = "Orthanc's worklist plugin is missing (apt-get install orthanc)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    tmp = Path(tempfile.mkdtemp(prefix="rs_dicom_orthanc_"))
    dicom_port, http_port = free_port(), free_port()
    while http_port == dicom_port:
        http_port = free_port()
    aet = "ORTHANC"
    config = tmp / "orthanc.json"
    config.write_text(json.dumps(_config(tmp, dicom_port, http_port, aet, worklists)))
    log = open(tmp / "orthanc.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [exe, str(config)], stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )
    try:
        try:
            _wait_ready(f"http://127.0.0.1:{http_port}", proc)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{(tmp / 'orthanc.log').read_text()[-3000:]}") from None
        yield Orthanc(dicom_port, http_port, aet, tmp)
    finally:
        stop(proc, grace=15)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def orthanc_server() -> Iterator[Orthanc]:
    """One Orthanc for the whole session (starting it takes a second or two)."""
    yield from start_orthanc()


@pytest.fixture
def orthanc(orthanc_server: Orthanc) -> Orthanc:
    """The session's Orthanc, emptied for this test."""
    orthanc_server.clear()
    return orthanc_server


def unique_copy(name: str, directory: Path) -> Path:
    """A copy of a pydicom test file with a new SOP Instance UID (pydicom's MR_small variants
    share one, and an archive keeps one instance per UID), written by pydicom in the same
    transfer syntax."""
    import pydicom
    from net_support import pydicom_file
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(pydicom_file(name))
    uid = generate_uid(entropy_srcs=[name, "rs_dicom"])
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
    out = directory / f"unique_{name}"
    ds.save_as(out, enforce_file_format=True)
    return out
