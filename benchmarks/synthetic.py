"""The synthetic objects of the benchmark data: UIDs, file meta, the CT header template
and the CT phantom, shared by ``generate_data.py`` and ``generate_codec_data.py``.

Everything is derived from a seed: the same seed gives the same UIDs and pixels.
Requires ``pydicom>=3`` and ``numpy``.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

UID_PREFIX = "1.2.826.0.1.3680043.8.498."  # pydicom's documented example root
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
RT_STRUCT_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
MF_WORD_SC_STORAGE = "1.2.840.10008.5.1.4.1.1.7.3"
IMPL_CLASS_UID = UID_PREFIX + "1"
IMPL_VERSION = "RSDICOM_BENCH_1"


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


def file_meta(
    sop_class: str, sop_instance: str, transfer_syntax: str = ExplicitVRLittleEndian
) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = transfer_syntax
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


def save(ds: Dataset, path: Path) -> None:
    """Write a DICOM file with one write() call.

    How a file was written decides how fast it reads back from the page cache: on ext4 a
    file written in small pieces (pydicom writes element by element) is cached in small
    folios and a plain read() of it took 2.4x as long as of the same bytes written at once
    (93-119 vs 49 us for a CT file here). Files that arrive by copy or download are written
    in large pieces; writing every benchmark file the same way keeps the series comparable.
    """
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    Path(path).write_bytes(buf.getvalue())
