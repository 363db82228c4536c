#!/usr/bin/env python3
"""Generate deterministic synthetic DICOM data for the rs_dicom benchmarks.

Writes (by default into ``benchmarks/data/``):

* ``ct/CT_00001.dcm`` ... -- a CT-like series (default 2,000 files), 512x512 signed
  int16 (BitsStored 12), ~130 header elements with private tags and small sequences,
  Explicit VR Little Endian, ISO_IR 100.  About 1 GB with the default count.
* ``ct_implicit/CT_00001.dcm`` ... -- the first 200 files of that series (``--implicit-count``)
  written again as Implicit VR Little Endian: the same elements and pixels.
* ``rtstruct.dcm`` -- a metadata-heavy RT Structure Set referencing the CT series:
  ~20,000 sequence items (ROIContourSequence -> ContourSequence -> ContourImageSequence,
  StructureSetROISequence, RTROIObservationsSequence, ReferencedFrameOfReferenceSequence).
* ``multiframe.dcm`` -- a 300-frame 512x512 uint16 Multi-frame Grayscale Word Secondary
  Capture image, Explicit VR Little Endian (for pixel benchmarks).

Everything is derived from ``--seed``: running twice with the same arguments gives
byte-identical files.  Existing outputs are kept unless ``--force`` is given (or the
parameters recorded in ``manifest.json`` changed).

Requires ``pydicom>=3`` and ``numpy``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian
from synthetic import (
    COLS,
    CT_IMAGE_STORAGE,
    MF_WORD_SC_STORAGE,
    PIXEL_SPACING,
    ROWS,
    RT_STRUCT_STORAGE,
    SLICE_THICKNESS,
    STUDY_DATE,
    Phantom,
    SeriesUIDs,
    add_equipment,
    add_patient_study,
    ct_template,
    file_meta,
    save,
)

DEFAULT_OUT = Path(__file__).resolve().parent / "data"
MANIFEST_VERSION = 2  # 2: every file written in one write() (synthetic.save)


def write_ct_series(
    out: Path, uids: SeriesUIDs, count: int, bits_stored: int, force: bool, verbose: bool
) -> list[str]:
    ct_dir = out / "ct"
    ct_dir.mkdir(parents=True, exist_ok=True)
    wanted = {f"CT_{i + 1:05d}.dcm" for i in range(count)}
    for stale in ct_dir.glob("*.dcm"):
        if stale.name not in wanted:
            stale.unlink()

    ds = ct_template(uids, bits_stored)
    phantom = Phantom(bits_stored)
    z0 = -SLICE_THICKNESS * (count - 1)  # feet-first: instance 1 is the lowest slice
    written = 0
    t0 = time.perf_counter()
    instance_uids = []
    for i in range(count):
        sop = uids.ct_instance(i + 1)
        instance_uids.append(sop)
        path = ct_dir / f"CT_{i + 1:05d}.dcm"
        if path.exists() and not force:
            continue
        rng = np.random.default_rng([uids.seed, i])
        z = z0 + i * SLICE_THICKNESS
        acq_s = 8 * 3600 + 35 * 60 + 12 + i * 0.0125
        acq_time = f"{int(acq_s // 3600):02d}{int(acq_s % 3600 // 60):02d}{acq_s % 60:09.6f}"
        ds.file_meta = file_meta(CT_IMAGE_STORAGE, sop)
        ds.SOPInstanceUID = sop
        ds.AcquisitionTime = acq_time
        ds.ContentTime = acq_time
        ds.InstanceNumber = str(i + 1)
        ds.ImagePositionPatient = [
            f"{-PIXEL_SPACING * COLS / 2:.4f}",
            f"{-PIXEL_SPACING * ROWS / 2 - 142.5:.4f}",
            f"{z:.4f}",
        ]
        ds.SliceLocation = f"{z:.4f}"
        ds.PixelData = phantom.slice(i, count, rng).tobytes()
        ds["PixelData"].VR = "OW"
        save(ds, path)
        written += 1
        if verbose and (written % 250 == 0):
            rate = written / (time.perf_counter() - t0)
            print(f"  ct: {i + 1}/{count} ({rate:.0f} files/s)", flush=True)
    print(f"ct: wrote {written} file(s), kept {count - written} existing")
    return instance_uids


def write_ct_implicit(out: Path, count: int, force: bool) -> int:
    """Rewrite the first ``count`` files of the CT series as Implicit VR Little Endian."""
    src_dir, dst_dir = out / "ct", out / "ct_implicit"
    dst_dir.mkdir(parents=True, exist_ok=True)
    sources = sorted(src_dir.glob("*.dcm"))[:count]
    wanted = {p.name for p in sources}
    for stale in dst_dir.glob("*.dcm"):
        if stale.name not in wanted:
            stale.unlink()
    written = 0
    for src in sources:
        dst = dst_dir / src.name
        if dst.exists() and not force:
            continue
        ds = pydicom.dcmread(src)
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        save(ds, dst)
        written += 1
    print(f"ct_implicit: wrote {written} file(s), kept {len(sources) - written} existing")
    return len(sources)


def format_ds(v: float) -> str:
    """DS string of at most 16 chars, with the typical ~4 decimals of TPS exports."""
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def write_rtstruct(
    path: Path,
    uids: SeriesUIDs,
    ct_instance_uids: list[str],
    n_rois: int,
    contours_per_roi: int,
    min_points: int,
    max_points: int,
) -> None:
    rng = np.random.default_rng([uids.seed, 0x5354])
    count = len(ct_instance_uids)
    z0 = -SLICE_THICKNESS * (count - 1)

    ds = Dataset()
    ds.file_meta = file_meta(RT_STRUCT_STORAGE, uids.rt_instance)
    add_patient_study(ds, uids)
    ds.InstanceCreationDate = STUDY_DATE
    ds.InstanceCreationTime = "101500.000000"
    ds.SOPClassUID = RT_STRUCT_STORAGE
    ds.SOPInstanceUID = uids.rt_instance
    ds.Modality = "RTSTRUCT"
    add_equipment(ds)
    ds.SeriesDescription = "Auto-contours (synthetic)"
    ds.SeriesInstanceUID = uids.rt_series
    ds.SeriesNumber = "900"
    ds.InstanceNumber = "1"
    ds.FrameOfReferenceUID = uids.frame_of_reference
    ds.PositionReferenceIndicator = ""
    ds.StructureSetLabel = "RSD_AUTO"
    ds.StructureSetName = "Synthetic structure set"
    ds.StructureSetDate = STUDY_DATE
    ds.StructureSetTime = "101500.000000"

    # ReferencedFrameOfReferenceSequence > RTReferencedStudySequence >
    #   RTReferencedSeriesSequence > ContourImageSequence (one item per CT slice)
    contour_images = []
    for sop in ct_instance_uids:
        item = Dataset()
        item.ReferencedSOPClassUID = CT_IMAGE_STORAGE
        item.ReferencedSOPInstanceUID = sop
        contour_images.append(item)
    rt_series = Dataset()
    rt_series.SeriesInstanceUID = uids.ct_series
    rt_series.ContourImageSequence = Sequence(contour_images)
    rt_study = Dataset()
    rt_study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Detached Study Mgmt
    rt_study.ReferencedSOPInstanceUID = uids.study
    rt_study.RTReferencedSeriesSequence = Sequence([rt_series])
    frame_ref = Dataset()
    frame_ref.FrameOfReferenceUID = uids.frame_of_reference
    frame_ref.RTReferencedStudySequence = Sequence([rt_study])
    ds.ReferencedFrameOfReferenceSequence = Sequence([frame_ref])

    ss_rois, roi_contours, observations = [], [], []
    colors = rng.integers(0, 256, size=(n_rois, 3))
    for r in range(n_rois):
        number = r + 1
        name = f"ROI_{number:03d}"
        ss = Dataset()
        ss.ROINumber = number
        ss.ReferencedFrameOfReferenceUID = uids.frame_of_reference
        ss.ROIName = name
        ss.ROIGenerationAlgorithm = "AUTOMATIC"
        ss_rois.append(ss)

        # each ROI covers a contiguous block of slices, one or two contours per slice
        cx, cy = rng.uniform(-120, 120), rng.uniform(-260, -40)
        rx, ry = rng.uniform(10, 60), rng.uniform(10, 60)
        first = int(rng.integers(0, max(1, count - contours_per_roi)))
        contours = []
        for c in range(contours_per_roi):
            slice_idx = min(count - 1, first + c // 2 if contours_per_roi > count else first + c)
            z = z0 + slice_idx * SLICE_THICKNESS
            n_pts = int(rng.integers(min_points, max_points + 1))
            ang = np.linspace(0, 2 * np.pi, n_pts, endpoint=False)
            wobble = 1.0 + 0.08 * np.sin(5 * ang + c * 0.1) + rng.normal(0, 0.01, n_pts)
            shrink = 0.6 + 0.4 * math.sin(math.pi * (c + 0.5) / contours_per_roi)
            px = cx + rx * shrink * wobble * np.cos(ang)
            py = cy + ry * shrink * wobble * np.sin(ang)
            data = []
            for xv, yv in zip(px.tolist(), py.tolist(), strict=True):
                data += [format_ds(xv), format_ds(yv), format_ds(z)]

            img = Dataset()
            img.ReferencedSOPClassUID = CT_IMAGE_STORAGE
            img.ReferencedSOPInstanceUID = ct_instance_uids[slice_idx]
            contour = Dataset()
            contour.ContourImageSequence = Sequence([img])
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = n_pts
            contour.ContourNumber = c + 1
            contour.ContourData = data
            contours.append(contour)

        rc = Dataset()
        rc.ROIDisplayColor = [int(v) for v in colors[r]]
        rc.ContourSequence = Sequence(contours)
        rc.ReferencedROINumber = number
        roi_contours.append(rc)

        obs = Dataset()
        obs.ObservationNumber = number
        obs.ReferencedROINumber = number
        obs.ROIObservationLabel = name
        obs.RTROIInterpretedType = "ORGAN" if r % 3 else "PTV"
        obs.ROIInterpreter = ""
        observations.append(obs)

    ds.StructureSetROISequence = Sequence(ss_rois)
    ds.ROIContourSequence = Sequence(roi_contours)
    ds.RTROIObservationsSequence = Sequence(observations)
    ds.ApprovalStatus = "UNAPPROVED"
    save(ds, path)


def count_items(ds: Dataset) -> tuple[int, int]:
    """(sequence items, data elements) in ds, recursively."""
    items = elems = 0
    for elem in ds:
        elems += 1
        if elem.VR == "SQ":
            for item in elem.value:
                items += 1
                i, e = count_items(item)
                items += i
                elems += e
    return items, elems


def write_multiframe(path: Path, uids: SeriesUIDs, frames: int) -> None:
    ds = Dataset()
    ds.file_meta = file_meta(MF_WORD_SC_STORAGE, uids.mf_instance)
    add_patient_study(ds, uids)
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.SOPClassUID = MF_WORD_SC_STORAGE
    ds.SOPInstanceUID = uids.mf_instance
    ds.ContentDate = STUDY_DATE
    ds.ContentTime = "110000.000000"
    ds.Modality = "OT"
    ds.ConversionType = "WSD"
    add_equipment(ds)
    ds.SeriesDescription = "Multi-frame word SC (synthetic)"
    ds.SeriesInstanceUID = uids.mf_series
    ds.SeriesNumber = "901"
    ds.InstanceNumber = "1"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = str(frames)
    ds.FrameIncrementPointer = 0x00181063  # FrameTime
    ds.FrameTime = "33.3"
    ds.Rows = ROWS
    ds.Columns = COLS
    ds.PixelSpacing = [str(PIXEL_SPACING), str(PIXEL_SPACING)]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    ds.WindowCenter = "32768"
    ds.WindowWidth = "65536"

    # per-frame: smooth moving gradient + seeded noise, full uint16 range
    y, x = np.mgrid[0:ROWS, 0:COLS].astype(np.float32)
    pixels = np.empty((frames, ROWS, COLS), dtype=np.uint16)
    for f in range(frames):
        rng = np.random.default_rng([uids.seed, 0x4D46, f])
        phase = 2 * np.pi * f / frames
        base = 32768 + 20000 * np.sin(x / 40.0 + phase) * np.cos(y / 55.0 - phase)
        noise = rng.integers(-2048, 2048, size=(ROWS, COLS), dtype=np.int32)
        pixels[f] = np.clip(base + noise, 0, 65535).astype(np.uint16)
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OW"
    save(ds, path)


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return str(n)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    p.add_argument("--count", type=int, default=2000, help="number of CT files (default 2000)")
    p.add_argument("--seed", type=int, default=20240315, help="RNG / UID seed")
    p.add_argument(
        "--bits-stored",
        type=int,
        choices=(12, 16),
        default=12,
        help="CT BitsStored (BitsAllocated is 16, signed)",
    )
    p.add_argument("--rois", type=int, default=40, help="RT struct: number of ROIs")
    p.add_argument(
        "--contours-per-roi", type=int, default=220, help="RT struct: ContourSequence items per ROI"
    )
    p.add_argument("--min-points", type=int, default=40, help="RT struct: min points/contour")
    p.add_argument("--max-points", type=int, default=160, help="RT struct: max points/contour")
    p.add_argument("--frames", type=int, default=300, help="multi-frame file: number of frames")
    p.add_argument(
        "--implicit-count",
        type=int,
        default=200,
        help="CT files also written as Implicit VR Little Endian (default 200)",
    )
    p.add_argument(
        "--only",
        choices=("ct", "ct-implicit", "rtstruct", "multiframe"),
        action="append",
        help="generate only these outputs (repeatable); default: all",
    )
    p.add_argument("--force", action="store_true", help="regenerate even if files exist")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)

    if not pydicom.__version__.startswith(("3.", "4.")):
        print(f"pydicom>=3 required, found {pydicom.__version__}", file=sys.stderr)
        return 2

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    uids = SeriesUIDs(args.seed)
    only = set(args.only or ("ct", "ct-implicit", "rtstruct", "multiframe"))
    common = {"version": MANIFEST_VERSION, "seed": args.seed, "pydicom": pydicom.__version__}
    params = {
        "ct": {**common, "count": args.count, "bits_stored": args.bits_stored},
        "rtstruct": {
            **common,
            "count": args.count,
            "rois": args.rois,
            "contours_per_roi": args.contours_per_roi,
            "min_points": args.min_points,
            "max_points": args.max_points,
        },
        "multiframe": {**common, "frames": args.frames},
    }
    params["ct_implicit"] = {**params["ct"], "implicit_count": args.implicit_count}

    def same(kind: str) -> bool:
        """False if the outputs on disk were made with other parameters.

        No manifest entry (e.g. an interrupted first run) counts as "same", so the CT
        series resumes where it stopped.  pydicom's version is informative only.
        """
        if kind not in old:
            return True
        a = {k: v for k, v in old[kind].get("params", {}).items() if k != "pydicom"}
        b = {k: v for k, v in params[kind].items() if k != "pydicom"}
        return a == b

    manifest = dict(old)
    t_all = time.perf_counter()

    # CT series (the UID list is also needed by the RT struct)
    if "ct" in only or "rtstruct" in only:
        force_ct = args.force or not same("ct")
        if "ct" in only:
            t0 = time.perf_counter()
            sops = write_ct_series(
                out, uids, args.count, args.bits_stored, force_ct, not args.quiet
            )
            files = sorted((out / "ct").glob("*.dcm"))
            size = sum(f.stat().st_size for f in files)
            manifest["ct"] = {
                "params": params["ct"],
                "files": len(files),
                "bytes": size,
                "dir": "ct",
            }
            print(f"ct: {len(files)} files, {human(size)} ({time.perf_counter() - t0:.1f} s)")
        else:
            sops = [uids.ct_instance(i + 1) for i in range(args.count)]

    if "ct-implicit" in only:
        if not (out / "ct").is_dir():
            print("ct-implicit: no CT series to rewrite; generate 'ct' first", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        force_imp = args.force or not same("ct") or not same("ct_implicit")
        n = write_ct_implicit(out, args.implicit_count, force_imp)
        files = sorted((out / "ct_implicit").glob("*.dcm"))
        manifest["ct_implicit"] = {
            "params": params["ct_implicit"],
            "files": n,
            "bytes": sum(f.stat().st_size for f in files),
            "dir": "ct_implicit",
        }
        print(f"ct_implicit: {n} files ({time.perf_counter() - t0:.1f} s)")

    if "rtstruct" in only:
        path = out / "rtstruct.dcm"
        if args.force or not path.exists() or not same("rtstruct"):
            t0 = time.perf_counter()
            write_rtstruct(
                path, uids, sops, args.rois, args.contours_per_roi, args.min_points, args.max_points
            )
            rs = pydicom.dcmread(path)
            items, elems = count_items(rs)
            manifest["rtstruct"] = {
                "params": params["rtstruct"],
                "file": path.name,
                "bytes": path.stat().st_size,
                "items": items,
                "elements": elems,
            }
            print(
                f"rtstruct: {human(path.stat().st_size)}, {items} items, {elems} elements "
                f"({time.perf_counter() - t0:.1f} s)"
            )
        else:
            print(f"rtstruct: exists ({human(path.stat().st_size)}), skipped")

    if "multiframe" in only:
        path = out / "multiframe.dcm"
        if args.force or not path.exists() or not same("multiframe"):
            t0 = time.perf_counter()
            write_multiframe(path, uids, args.frames)
            manifest["multiframe"] = {
                "params": params["multiframe"],
                "file": path.name,
                "bytes": path.stat().st_size,
                "frames": args.frames,
            }
            print(
                f"multiframe: {args.frames} frames, {human(path.stat().st_size)} "
                f"({time.perf_counter() - t0:.1f} s)"
            )
        else:
            print(f"multiframe: exists ({human(path.stat().st_size)}), skipped")

    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"done in {time.perf_counter() - t_all:.1f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
