#!/usr/bin/env python3
"""Generate deterministic synthetic DICOM data for the rs_dicom benchmarks.

Writes (by default into ``benchmarks/data/``):

* ``ct/CT_00001.dcm`` ... -- a CT-like series (default 2,000 files), 512x512 signed
  int16 (BitsStored 12), ~130 header elements with private tags and small sequences,
  Explicit VR Little Endian, ISO_IR 100.  About 1 GB with the default count.
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
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

UID_PREFIX = "1.2.826.0.1.3680043.8.498."  # pydicom's documented example root
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
RT_STRUCT_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
MF_WORD_SC_STORAGE = "1.2.840.10008.5.1.4.1.1.7.3"
IMPL_CLASS_UID = UID_PREFIX + "1"
IMPL_VERSION = "RSDICOM_BENCH_1"

DEFAULT_OUT = Path(__file__).resolve().parent / "data"
MANIFEST_VERSION = 1

ROWS = COLS = 512
PIXEL_SPACING = 0.75  # mm
SLICE_THICKNESS = 0.625  # mm
STUDY_DATE = "20240315"


def uid(seed: int, *parts: object) -> str:
    """Deterministic UID derived from the seed and a label."""
    return generate_uid(prefix=UID_PREFIX, entropy_srcs=[str(seed), *map(str, parts)])


class SeriesUIDs:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.study = uid(seed, "study")
        self.ct_series = uid(seed, "ct-series")
        self.frame_of_reference = uid(seed, "frame-of-reference")
        self.rt_series = uid(seed, "rt-series")
        self.rt_instance = uid(seed, "rt-instance")
        self.mf_series = uid(seed, "mf-series")
        self.mf_instance = uid(seed, "mf-instance")
        self.localizer = uid(seed, "localizer")

    def ct_instance(self, index: int) -> str:
        return uid(self.seed, "ct-instance", index)


def file_meta(sop_class: str, sop_instance: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPL_CLASS_UID
    meta.ImplementationVersionName = IMPL_VERSION
    meta.SourceApplicationEntityTitle = "RSDICOM_BENCH"
    return meta


def add_patient_study(ds: Dataset, uids: SeriesUIDs) -> None:
    """Patient, general study and patient study modules (shared by all objects)."""
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.StudyDate = STUDY_DATE
    ds.StudyTime = "083015.123000"
    ds.AccessionNumber = "ACC20240315001"
    ds.ReferringPhysicianName = "Lefèvre^Anaïs^^Dr."
    ds.StudyDescription = "CT THORAX ABDOMEN PELVIS W/ CONTRAST"
    ds.PatientName = "Müller^Jürgen^Björn"
    ds.PatientID = "PID-0042-ÅÄÖ"
    ds.IssuerOfPatientID = "RSDICOM_HOSPITAL"
    ds.PatientBirthDate = "19580704"
    ds.PatientSex = "M"
    ds.OtherPatientIDs = "ALT-998877"
    ds.PatientAge = "065Y"
    ds.PatientSize = "1.78"
    ds.PatientWeight = "81.5"
    ds.EthnicGroup = "European"
    ds.PatientComments = "Synthetic benchmark patient; no real data."
    ds.StudyInstanceUID = uids.study
    ds.StudyID = "4711"


def add_equipment(ds: Dataset) -> None:
    ds.Manufacturer = "RSDICOM Medical Systems"
    ds.InstitutionName = "Klinikum Süd"
    ds.InstitutionAddress = "Hauptstraße 1, 80331 München"
    ds.StationName = "CTAWP00042"
    ds.InstitutionalDepartmentName = "Radiologie"
    ds.ManufacturerModelName = "Synthetica 128"
    ds.DeviceSerialNumber = "SN-000128-77"
    ds.SoftwareVersions = ["VB10A", "SW 4.2.1"]


def ct_template(uids: SeriesUIDs, bits_stored: int) -> Dataset:
    """All CT header elements that are identical across the series."""
    ds = Dataset()
    add_patient_study(ds, uids)
    add_equipment(ds)

    # SOP common / general image
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "CT_SOM5 SPI"]
    ds.InstanceCreationDate = STUDY_DATE
    ds.InstanceCreationTime = "084500.000000"
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SeriesDate = STUDY_DATE
    ds.AcquisitionDate = STUDY_DATE
    ds.ContentDate = STUDY_DATE
    ds.SeriesTime = "083512.000000"
    ds.Modality = "CT"
    ds.SeriesDescription = "Thorax-Abdomen 0.625mm Br40 Venös"
    ds.PerformingPhysicianName = ["Schäfer^Lena", "Novák^Tomás"]
    ds.OperatorsName = "Østergaard^Søren"
    ds.NameOfPhysiciansReadingStudy = "Dubois^Hélène"
    ds.AdmittingDiagnosesDescription = "R10.4 Sonstige und nicht näher bezeichnete Bauchschmerzen"

    proc = Dataset()
    proc.CodeValue = "CTTAP"
    proc.CodingSchemeDesignator = "99RSD"
    proc.CodeMeaning = "CT Thorax/Abdomen/Pelvis with contrast"
    ds.ProcedureCodeSequence = Sequence([proc])

    refs = []
    for k in range(2):
        ref = Dataset()
        ref.ReferencedSOPClassUID = CT_IMAGE_STORAGE
        ref.ReferencedSOPInstanceUID = uid(uids.seed, "localizer-image", k)
        refs.append(ref)
    ds.ReferencedImageSequence = Sequence(refs)

    region = Dataset()
    region.CodeValue = "T-D3000"
    region.CodingSchemeDesignator = "SRT"
    region.CodeMeaning = "Chest"
    ds.AnatomicRegionSequence = Sequence([region])

    ds.ContrastBolusAgent = "Iomeprol 350"
    ds.ContrastBolusRoute = "IV"
    ds.ContrastBolusVolume = "90"
    ds.ContrastBolusStartTime = "083300.000000"
    ds.ContrastBolusTotalDose = "31.5"
    ds.ContrastBolusIngredient = "IODINE"
    ds.ContrastBolusIngredientConcentration = "350"

    # CT image module / acquisition
    ds.BodyPartExamined = "CHEST"
    ds.ScanOptions = "HELICAL_CT"
    ds.SliceThickness = str(SLICE_THICKNESS)
    ds.KVP = "120"
    ds.DataCollectionDiameter = "500"
    ds.ProtocolName = "TAP_Venous_0.625"
    ds.ReconstructionDiameter = str(PIXEL_SPACING * COLS)
    ds.DistanceSourceToDetector = "1085.6"
    ds.DistanceSourceToPatient = "595"
    ds.GantryDetectorTilt = "0"
    ds.TableHeight = "142.5"
    ds.RotationDirection = "CW"
    ds.ExposureTime = "500"
    ds.XRayTubeCurrent = "212"
    ds.Exposure = "106"
    ds.FilterType = "FLAT"
    ds.GeneratorPower = "25"
    ds.FocalSpots = "1.2"
    ds.ConvolutionKernel = ["Br40d", "3"]
    ds.PatientPosition = "FFS"
    ds.RevolutionTime = 0.5
    ds.SingleCollimationWidth = 0.625
    ds.TotalCollimationWidth = 80.0
    ds.TableSpeed = 96.0
    ds.TableFeedPerRotation = 48.0
    ds.SpiralPitchFactor = 0.6
    ds.DataCollectionCenterPatient = [0.0, -142.5, 0.0]
    ds.ReconstructionTargetCenterPatient = [0.0, -142.5, 0.0]
    ds.ExposureModulationType = "XYZ_EC"
    ds.CTDIvol = 9.87

    ds.StudyInstanceUID = uids.study
    ds.SeriesInstanceUID = uids.ct_series
    ds.SeriesNumber = "3"
    ds.AcquisitionNumber = "1"
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.FrameOfReferenceUID = uids.frame_of_reference
    ds.PositionReferenceIndicator = ""
    ds.ImageComments = "Synthetic image generated for rs_dicom benchmarks"

    # Image pixel module
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ROWS
    ds.Columns = COLS
    ds.PixelSpacing = [str(PIXEL_SPACING), str(PIXEL_SPACING)]
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1
    ds.add_new(0x00280120, "SS", -2000)  # PixelPaddingValue (US or SS -> SS)
    ds.WindowCenter = ["40", "-600"]
    ds.WindowWidth = ["400", "1500"]
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenterWidthExplanation = ["WINDOW1", "WINDOW2"]
    ds.LossyImageCompression = "00"

    # Request / performed procedure step
    ds.RequestingPhysician = "Kowalski^Zoë"
    ds.RequestedProcedureDescription = "CT TAP"
    ds.PerformedProcedureStepStartDate = STUDY_DATE
    ds.PerformedProcedureStepStartTime = "083000.000000"
    ds.PerformedProcedureStepID = "PPS-4711"
    ds.PerformedProcedureStepDescription = "CT Thorax Abdomen Pelvis"
    request = Dataset()
    request.RequestedProcedureID = "RP-4711"
    request.ScheduledProcedureStepID = "SPS-4711"
    request.ScheduledProcedureStepDescription = "CT TAP venous phase"
    ds.RequestAttributesSequence = Sequence([request])

    # Private tags (with private creators)
    blk = ds.private_block(0x0009, "RSDICOM_IDEN_01", create=True)
    blk.add_new(0x01, "LO", "SYNTHETICA_128")
    blk.add_new(0x02, "SL", 128)
    blk.add_new(0x03, "DS", ["1.5", "2.5", "3.5"])
    blk = ds.private_block(0x0019, "RSDICOM_ACQU_01", create=True)
    blk.add_new(0x02, "SL", 43210)
    blk.add_new(0x03, "DS", "595.0")
    blk.add_new(0x04, "FD", [0.625, 0.625, 80.0])
    blk.add_new(0x05, "OB", bytes(range(64)))
    blk = ds.private_block(0x0043, "RSDICOM_PARM_01", create=True)
    blk.add_new(0x01, "SS", -12)
    blk.add_new(0x02, "LO", "Private parameter string")
    blk.add_new(0x03, "UL", [1, 2, 3, 4])
    return ds


class Phantom:
    """Cheap, deterministic CT-ish phantom (body ellipse, lungs, spine, noise)."""

    def __init__(self, bits_stored: int) -> None:
        y, x = np.mgrid[0:ROWS, 0:COLS].astype(np.float32)
        self.x = (x - COLS / 2) / (COLS / 2)
        self.y = (y - ROWS / 2) / (ROWS / 2)
        self.fov = (self.x**2 + self.y**2) <= 1.0
        self.body = (self.x / 0.85) ** 2 + (self.y / 0.62) ** 2 <= 1.0
        self.spine = ((self.x) / 0.09) ** 2 + ((self.y - 0.42) / 0.09) ** 2 <= 1.0
        self.hi = (1 << (bits_stored - 1)) - 1
        self.lo = -(1 << (bits_stored - 1))

    def slice(self, index: int, count: int, rng: np.random.Generator) -> np.ndarray:
        t = index / max(count - 1, 1)  # 0 (feet) .. 1 (head)
        lung_r = 0.32 * max(0.0, math.sin(math.pi * min(1.0, t * 1.6)))
        hu = np.full((ROWS, COLS), -1000.0, dtype=np.float32)
        hu[self.body] = 40.0
        if lung_r > 0.02:
            for cx in (-0.38, 0.38):
                lung = ((self.x - cx) / lung_r) ** 2 + ((self.y + 0.05) / (lung_r * 1.3)) ** 2
                hu[lung <= 1.0] = -850.0
        hu[self.spine] = 900.0
        hu += rng.normal(0.0, 12.0, size=hu.shape).astype(np.float32)
        stored = np.clip(np.rint(hu) + 1024.0, self.lo, self.hi).astype(np.int16)
        stored[~self.fov] = -2000  # PixelPaddingValue outside the scan FOV
        return stored


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
        ds.save_as(path, enforce_file_format=True)
        written += 1
        if verbose and (written % 250 == 0):
            rate = written / (time.perf_counter() - t0)
            print(f"  ct: {i + 1}/{count} ({rate:.0f} files/s)", flush=True)
    print(f"ct: wrote {written} file(s), kept {count - written} existing")
    return instance_uids


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
    ds.save_as(path, enforce_file_format=True)


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
    ds.save_as(path, enforce_file_format=True)


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
        "--only",
        choices=("ct", "rtstruct", "multiframe"),
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
    only = set(args.only or ("ct", "rtstruct", "multiframe"))
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
