#!/usr/bin/env python3
"""Network benchmark: C-STORE of N generated CT files (~0.5 MB each) over loopback.

Pairs (SCU -> SCP), one association unless said: rs_dicom -> rs_dicom (``rs-dicom listen``),
rs_dicom -> DCMTK ``storescp``, rs_dicom -> pynetdicom, DCMTK ``storescu`` -> ``storescp``,
``storescu`` -> rs_dicom, pynetdicom -> pynetdicom, pynetdicom -> rs_dicom, rs_dicom with 4
associations -> rs_dicom, and ``shutil.copyfile`` of the same files as the limit. Every SCP is
its own process writing every file to disk; DCMTK runs with ``TCP_NODELAY=1`` (without it
Nagle's algorithm caps it). The rs_dicom and pynetdicom SCUs time the sending loop in their
process (association included); ``storescu`` is timed from the outside (process start
included: a few ms). Runs are interleaved; the table reports the median of ``--repeat`` runs
in files/s and MB/s, and checks that every file arrived.

    python benchmarks/bench_net.py [--files 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results_net.md"
PY = sys.executable
ENV = {**os.environ, "TCP_NODELAY": "1"}

PYNETDICOM_SCP = r"""
import sys
from pynetdicom import AE, evt, ALL_TRANSFER_SYNTAXES
from pynetdicom.presentation import AllStoragePresentationContexts
out = sys.argv[2]
def on_store(event):
    with open(f"{out}/{event.request.AffectedSOPInstanceUID}.dcm", "wb") as f:
        f.write(event.encoded_dataset())
    return 0
ae = AE(ae_title="PYNETDICOM")
ae.maximum_pdu_size = 262144
for cx in AllStoragePresentationContexts:
    ae.add_supported_context(cx.abstract_syntax, ALL_TRANSFER_SYNTAXES)
ae.start_server(("127.0.0.1", int(sys.argv[1])), evt_handlers=[(evt.EVT_C_STORE, on_store)])
"""

PYNETDICOM_SCU = r"""
import sys, time
from pydicom import dcmread
from pynetdicom import AE
files = sys.argv[2:]
ae = AE(ae_title="PYSCU")
ae.maximum_pdu_size = 262144
ae.add_requested_context("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1")
t = time.perf_counter()
assoc = ae.associate("127.0.0.1", int(sys.argv[1]))
assert assoc.is_established
for f in files:
    rsp = assoc.send_c_store(f)
    if "Status" not in rsp or rsp.Status != 0:
        raise SystemExit(f"{f}: {rsp!r}, established={assoc.is_established}")
assoc.release()
print(time.perf_counter() - t)
"""

RS_SCU = r"""
import sys, time
from rs_dicom import net
port, workers, window, files = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
t = time.perf_counter()
results = net.send(
    files, "127.0.0.1", port, called_ae="ANY", workers=workers, timeout=60, max_async_ops=window
)
elapsed = time.perf_counter() - t
assert all(r.status == 0 for r in results), [r for r in results if r.status != 0][:3]
print(elapsed)
"""


def generate(directory: Path, n: int, side: int = 512) -> list[Path]:
    """N CT images, side x side 16-bit, Explicit VR Little Endian (~0.5 MB each at 512)."""
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    rng = np.random.default_rng(1)
    study, series = generate_uid(), generate_uid()
    paths = []
    for i in range(n):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.PatientName, ds.PatientID, ds.Modality, ds.InstanceNumber = "Bench^Net", "1", "CT", i
        ds.Rows = ds.Columns = side
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = rng.integers(0, 4096, (side, side), dtype=np.uint16).tobytes()
        p = directory / f"ct{i:04d}.dcm"
        ds.save_as(p, enforce_file_format=True)
        paths.append(p)
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no SCP on port {port}")


def scp(kind: str, port: int, out: Path) -> subprocess.Popen[bytes]:
    args = {
        "rs_dicom": [PY, "-m", "rs_dicom.cli", "listen", str(port), "-od", str(out)],
        "storescp": ["storescp", "-od", str(out), "-pdu", "131072", str(port)],
        "pynetdicom": [PY, "-c", PYNETDICOM_SCP, str(port), str(out)],
    }[kind]
    proc = subprocess.Popen(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(port)
    return proc


def scu(kind: str, port: int, files: list[str], workers: int, window: int = 1) -> float:
    if kind == "storescu":
        t = time.perf_counter()
        subprocess.run(
            ["storescu", "-pdu", "131072", "127.0.0.1", str(port), *files],
            env=ENV,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t
    code = RS_SCU if kind == "rs_dicom" else PYNETDICOM_SCU
    extra = [str(workers), str(window)] if kind == "rs_dicom" else []
    proc = subprocess.run(
        [PY, "-c", code, str(port), *extra, *files],
        env=ENV,
        check=False,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} SCU failed: {proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


# (SCU, SCP, associations, asynchronous operations window our SCU proposes)
PAIRS = [
    ("rs_dicom", "rs_dicom", 1, 1),
    ("rs_dicom", "rs_dicom", 1, 16),
    ("rs_dicom", "rs_dicom", 4, 1),
    ("rs_dicom", "storescp", 1, 1),
    ("rs_dicom", "pynetdicom", 1, 1),
    ("storescu", "storescp", 1, 1),
    ("storescu", "rs_dicom", 1, 1),
    ("pynetdicom", "pynetdicom", 1, 1),
    ("pynetdicom", "rs_dicom", 1, 1),
]


def run_pair(pair: tuple[str, str, int, int], files: list[str], work: Path) -> float:
    client, server, workers, window = pair
    out = Path(tempfile.mkdtemp(dir=work))
    port = free_port()
    proc = scp(server, port, out)
    try:
        elapsed = scu(client, port, files, workers, window)
    except RuntimeError as exc:
        raise RuntimeError(f"{client} -> {server}: {exc}") from None
    finally:
        proc.terminate()
        proc.wait(10)
    got = [p for p in out.iterdir() if not p.name.startswith(".")]
    if len(got) != len(files):
        raise RuntimeError(f"{pair}: {len(got)} of {len(files)} files arrived")
    shutil.rmtree(out)
    return elapsed


def copy_time(files: list[str], work: Path) -> float:
    out = Path(tempfile.mkdtemp(dir=work))
    t = time.perf_counter()
    for f in files:
        shutil.copyfile(f, out / os.path.basename(f))
    elapsed = time.perf_counter() - t
    shutil.rmtree(out)
    return elapsed


def publish(path: Path, title: str, doc: str | None, lines: list[str]) -> None:
    """Prints the table and writes it to ``path`` under the script's description."""
    text = "\n".join(lines) + "\n"
    print(text)
    path.write_text(f"# {title}\n\n" + (doc or "\n\n").split("\n\n")[1] + "\n\n" + text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", action="append", default=[], help="SCU->SCP pair to skip")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_net_"))
    try:
        data = work / "data"
        data.mkdir()
        files = [str(p) for p in generate(data, args.files)]
        size = sum(os.path.getsize(f) for f in files)
        pairs = [p for p in PAIRS if f"{p[0]}->{p[1]}" not in args.skip]
        times: dict[str, list[float]] = {}
        failures: list[str] = []
        for _ in range(args.repeat):
            times.setdefault("copy", []).append(copy_time(files, work))
            for pair in pairs:
                name = (
                    f"{pair[0]} -> {pair[1]}"
                    + (f" ({pair[2]} assoc.)" if pair[2] > 1 else "")
                    + (f" (window {pair[3]})" if pair[3] > 1 else "")
                )
                try:
                    times.setdefault(name, []).append(run_pair(pair, files, work))
                except RuntimeError as exc:
                    failures.append(str(exc).splitlines()[0][:300])
                    times.setdefault(name, [])
        lines = [
            f"C-STORE of {len(files)} CT files ({size / len(files) / 1e6:.2f} MB each, "
            f"{size / 1e6:.0f} MB) on loopback; median of {args.repeat}; machine loaded "
            "(other jobs on 2 cores).",
            "",
            "| SCU -> SCP | s | files/s | MB/s |",
            "|---|---:|---:|---:|",
        ]
        for name, ts in times.items():
            if not ts:
                lines.append(f"| {name} | failed | | |")
                continue
            t = statistics.median(ts)
            lines.append(f"| {name} | {t:.2f} | {len(files) / t:.0f} | {size / t / 1e6:.0f} |")
        lines += [f"\nfailed run: {f}" for f in failures]
        publish(RESULTS, "Network benchmark", __doc__, lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
