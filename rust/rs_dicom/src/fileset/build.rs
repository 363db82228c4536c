//! Directory records for one instance in the General Purpose profile (STD-GEN-CD): the
//! PATIENT, STUDY and SERIES records above it and its own record, with the keys of PS3.3
//! F.5 copied from the instance. A Type 1 key the instance lacks (or has empty) is an error
//! naming it, as dcmgpdir and pydicom refuse such instances; Type 2 keys are written empty.

use super::{
    FileId, IN_USE_FLAG, LOWER_LEVEL, NEXT_RECORD, RECORD_TYPE, REFERENCED_FILE_ID,
    REFERENCED_SOP_CLASS, REFERENCED_SOP_INSTANCE, REFERENCED_TRANSFER_SYNTAX,
};
use crate::core::{Dataset, Element, Tag, TransferSyntax, VR, trim_uid};
use crate::dictionary;
use crate::error::{DicomError, ErrorKind, Result};
use crate::writer::swap_size;

/// How a key is required in a record (PS3.3 F.5): 1 present with a value, 2 present (maybe
/// empty), 3 copied when the instance has it (also the 1C keys, whose condition is that).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    One,
    Two,
    Three,
}
use Need::{One, Three, Two};

type Keys = &'static [(&'static str, Need)];

const PATIENT: Keys = &[("PatientName", Two), ("PatientID", One)];
const STUDY: Keys = &[
    ("StudyDate", One),
    ("StudyTime", One),
    ("StudyDescription", Two),
    ("StudyInstanceUID", One),
    ("StudyID", One),
    ("AccessionNumber", Two),
];
const SERIES: Keys = &[
    ("Modality", One),
    ("SeriesInstanceUID", One),
    ("SeriesNumber", One),
];
const IMAGE: Keys = &[("InstanceNumber", One)];
const RT_DOSE: Keys = &[("InstanceNumber", One), ("DoseSummationType", One)];
const RT_STRUCTURE_SET: Keys = &[
    ("InstanceNumber", One),
    ("StructureSetLabel", One),
    ("StructureSetDate", Two),
    ("StructureSetTime", Two),
];
const RT_PLAN: Keys = &[
    ("InstanceNumber", One),
    ("RTPlanLabel", One),
    ("RTPlanDate", Two),
    ("RTPlanTime", Two),
];
const RT_TREAT_RECORD: Keys = &[
    ("InstanceNumber", One),
    ("TreatmentDate", Two),
    ("TreatmentTime", Two),
];
const PRESENTATION: Keys = &[
    ("PresentationCreationDate", One),
    ("PresentationCreationTime", One),
    ("InstanceNumber", One),
    ("ContentLabel", One),
    ("ContentDescription", Two),
    ("ContentCreatorName", Two),
    ("ReferencedSeriesSequence", Three),
];
const GENERIC_CONTENT: Keys = &[
    ("ContentDate", One),
    ("ContentTime", One),
    ("InstanceNumber", One),
];
const GENERIC_CONTENT_ID: Keys = &[
    ("ContentDate", One),
    ("ContentTime", One),
    ("InstanceNumber", One),
    ("ContentLabel", One),
    ("ContentDescription", Two),
    ("ContentCreatorName", Two),
];
const SR_DOCUMENT: Keys = &[
    ("InstanceNumber", One),
    ("CompletionFlag", One),
    ("VerificationFlag", One),
    ("ContentDate", One),
    ("ContentTime", One),
    ("VerificationDateTime", Three),
    ("ConceptNameCodeSequence", One),
];
const KEY_OBJECT_DOC: Keys = &[
    ("ContentDate", One),
    ("ContentTime", One),
    ("InstanceNumber", One),
    ("ConceptNameCodeSequence", One),
];
const SPECTROSCOPY: Keys = &[
    ("ImageType", One),
    ("ContentDate", One),
    ("ContentTime", One),
    ("InstanceNumber", One),
    ("ReferencedImageEvidenceSequence", Three),
    ("NumberOfFrames", One),
    ("Rows", One),
    ("Columns", One),
    ("DataPointRows", One),
    ("DataPointColumns", One),
];
const ENCAP_DOC: Keys = &[
    ("ContentDate", Two),
    ("ContentTime", Two),
    ("InstanceNumber", One),
    ("DocumentTitle", Two),
    ("HL7InstanceIdentifier", Three),
    ("ConceptNameCodeSequence", Two),
    ("MIMETypeOfEncapsulatedDocument", One),
];
const PALETTE: Keys = &[("ContentLabel", One), ("ContentDescription", Two)];
const HANGING_PROTOCOL: Keys = &[
    ("HangingProtocolCreator", One),
    ("HangingProtocolCreationDateTime", One),
    ("HangingProtocolDefinitionSequence", One),
    ("NumberOfPriorsReferenced", One),
    ("HangingProtocolUserIdentificationCodeSequence", Two),
];
const IMPLANT: Keys = &[
    ("Manufacturer", One),
    ("ImplantName", One),
    ("ImplantSize", Three),
    ("ImplantPartNumber", One),
];
const IMPLANT_ASSY: Keys = &[
    ("ImplantAssemblyTemplateName", One),
    ("Manufacturer", One),
    ("ProcedureTypeCodeSequence", One),
];
const IMPLANT_GROUP: Keys = &[
    ("ImplantTemplateGroupName", One),
    ("ImplantTemplateGroupIssuer", One),
];
const SURFACE_SCAN: Keys = &[("ContentDate", One), ("ContentTime", One)];
const NONE: Keys = &[];

fn keys_of(record_type: &str) -> Keys {
    match record_type {
        "RT DOSE" => RT_DOSE,
        "RT STRUCTURE SET" => RT_STRUCTURE_SET,
        "RT PLAN" => RT_PLAN,
        "RT TREAT RECORD" => RT_TREAT_RECORD,
        "PRESENTATION" => PRESENTATION,
        "WAVEFORM" | "RAW DATA" => GENERIC_CONTENT,
        "REGISTRATION" | "FIDUCIAL" | "VALUE MAP" | "MEASUREMENT" | "SURFACE" | "TRACT" => {
            GENERIC_CONTENT_ID
        }
        "SR DOCUMENT" => SR_DOCUMENT,
        "KEY OBJECT DOC" => KEY_OBJECT_DOC,
        "SPECTROSCOPY" => SPECTROSCOPY,
        "ENCAP DOC" => ENCAP_DOC,
        "SURFACE SCAN" => SURFACE_SCAN,
        "STEREOMETRIC" | "PLAN" => NONE,
        "PALETTE" => PALETTE,
        "HANGING PROTOCOL" => HANGING_PROTOCOL,
        "IMPLANT" => IMPLANT,
        "IMPLANT ASSY" => IMPLANT_ASSY,
        "IMPLANT GROUP" => IMPLANT_GROUP,
        _ => IMAGE,
    }
}

/// The SOP classes (by keyword) whose record is not IMAGE, from PS3.3 F.4's table.
const RECORD_TYPES: &[(&str, &[&str])] = &[
    ("RT DOSE", &["RTDoseStorage"]),
    ("RT STRUCTURE SET", &["RTStructureSetStorage"]),
    (
        "RT TREAT RECORD",
        &[
            "RTBeamsTreatmentRecordStorage",
            "RTBrachyTreatmentRecordStorage",
            "RTTreatmentSummaryRecordStorage",
            "RTIonBeamsTreatmentRecordStorage",
        ],
    ),
    ("RT PLAN", &["RTPlanStorage", "RTIonPlanStorage"]),
    ("KEY OBJECT DOC", &["KeyObjectSelectionDocumentStorage"]),
    ("SPECTROSCOPY", &["MRSpectroscopyStorage"]),
    ("RAW DATA", &["RawDataStorage"]),
    (
        "REGISTRATION",
        &[
            "SpatialRegistrationStorage",
            "DeformableSpatialRegistrationStorage",
        ],
    ),
    ("FIDUCIAL", &["SpatialFiducialsStorage"]),
    ("VALUE MAP", &["RealWorldValueMappingStorage"]),
    ("STEREOMETRIC", &["StereometricRelationshipStorage"]),
    ("SURFACE", &["SurfaceSegmentationStorage"]),
    (
        "SURFACE SCAN",
        &["SurfaceScanMeshStorage", "SurfaceScanPointCloudStorage"],
    ),
    ("TRACT", &["TractographyResultsStorage"]),
    ("BASIC PRESENTATION", &["BasicStructuredDisplayStorage"]),
];

/// SOP classes whose record is a record of the root directory entity, with no PATIENT,
/// STUDY or SERIES record above it (PS3.3 F.4).
const SINGLE_LEVEL: &[(&str, &str)] = &[
    ("HangingProtocolStorage", "HANGING PROTOCOL"),
    ("ColorPaletteStorage", "PALETTE"),
    ("GenericImplantTemplateStorage", "IMPLANT"),
    ("ImplantAssemblyTemplateStorage", "IMPLANT ASSY"),
    ("ImplantTemplateGroupStorage", "IMPLANT GROUP"),
];

/// The record type of an instance's own record, from its SOP Class (as pydicom chooses).
pub fn record_type_for(sop_class: &str, ds: &Dataset) -> &'static str {
    let text = |kw: &str| {
        dictionary::tag_for_keyword(kw)
            .and_then(|t| ds.get(t))
            .map(|e| crate::value::decode_text(ds, e).trim().to_string())
    };
    match text("Modality").as_deref() {
        Some("RTINTENT" | "RTSEGANN" | "RTRAD") => return "RADIOTHERAPY",
        Some("PLAN") => return "PLAN",
        _ => {}
    }
    if ds.contains(Tag(0x0042, 0x0011)) {
        return "ENCAP DOC";
    }
    if ds.contains(Tag(0x300A, 0x0002)) {
        return "RT PLAN";
    }
    let entry = dictionary::uid(sop_class);
    let keyword = entry.map_or("", |e| e.keyword);
    if let Some((t, _)) = RECORD_TYPES.iter().find(|(_, kws)| kws.contains(&keyword)) {
        return if *t == "BASIC PRESENTATION" {
            "PRESENTATION"
        } else {
            t
        };
    }
    let name = entry.map_or("", |e| e.name);
    if name.contains("Presentation State Storage") {
        "PRESENTATION"
    } else if name.contains("Waveform Storage") {
        "WAVEFORM"
    } else if (name.contains(" SR ") || name.ends_with("SR Storage") || name.contains("Report"))
        && name.contains("Storage")
    {
        "SR DOCUMENT"
    } else if name.contains("Measurements Storage") {
        "MEASUREMENT"
    } else {
        "IMAGE"
    }
}

fn missing(record_type: &str, keyword: &str, tag: Tag, empty: bool) -> DicomError {
    DicomError::new(
        ErrorKind::InvalidValue,
        None,
        tag.to_string(),
        format!(
            "the instance's {keyword} {tag} is {}: a {record_type} record needs it (Type 1, \
             PS3.3 F.5)",
            if empty { "empty" } else { "missing" }
        ),
    )
}

fn copy_keys(
    instance: &Dataset,
    record: &mut Dataset,
    record_type: &str,
    keys: Keys,
) -> Result<()> {
    for &(keyword, need) in keys {
        let Some(entry) = dictionary::by_keyword(keyword) else {
            continue;
        };
        let tag = entry.canonical_tag();
        match instance.get(tag) {
            Some(e) if e.vr == VR::SQ || !instance.bytes_of(e).is_empty() => {
                if need == One && e.items().is_some_and(<[_]>::is_empty) {
                    return Err(missing(record_type, keyword, tag, true));
                }
                insert_in_order(instance, record, e);
            }
            found => match need {
                One => return Err(missing(record_type, keyword, tag, found.is_some())),
                Two => {
                    let vr = entry.default_vr().unwrap_or(VR::UN);
                    record.insert(if vr == VR::SQ {
                        Element::sequence(tag, Vec::new())
                    } else {
                        Element::new(tag, vr, Vec::new())
                    });
                }
                Three => {}
            },
        }
    }
    Ok(())
}

/// Copies `e` from `instance` into `record`, its numbers in the record's byte order.
fn insert_in_order(instance: &Dataset, record: &mut Dataset, e: &Element) {
    let size = swap_size(e.vr);
    if size > 1 && e.vr != VR::SQ && instance.big_endian() != record.big_endian() {
        let mut b = instance.bytes_of(e).to_vec();
        for chunk in b.chunks_exact_mut(size) {
            chunk.reverse();
        }
        record.insert(Element::new(e.tag, e.vr, b));
    } else {
        record.insert_from(instance, e);
    }
}

fn ul(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

fn cs(text: &str) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(b' ');
    }
    b
}

fn ui(uid: &str) -> Vec<u8> {
    let mut b = uid.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(0);
    }
    b
}

/// A record of `record_type` with its structural elements (offsets to be filled in on
/// writing) and the instance's character set.
fn new_record(instance: &Dataset, record_type: &str) -> Dataset {
    let mut r = Dataset::new();
    r.insert(Element::new(NEXT_RECORD, VR::UL, ul(0)));
    r.insert(Element::new(
        IN_USE_FLAG,
        VR::US,
        0xFFFFu16.to_le_bytes().to_vec(),
    ));
    r.insert(Element::new(LOWER_LEVEL, VR::UL, ul(0)));
    r.insert(Element::new(RECORD_TYPE, VR::CS, cs(record_type)));
    if let Some(e) = instance.get(Tag::SPECIFIC_CHARACTER_SET) {
        insert_in_order(instance, &mut r, e);
    }
    r
}

fn uid_of(ds: &Dataset, tag: Tag) -> Option<String> {
    ds.raw(tag)
        .map(|b| trim_uid(&String::from_utf8_lossy(b)).to_string())
        .filter(|s| !s.is_empty())
}

/// The records for the instance `ds` (with its file meta group `meta`) stored as
/// `file_id`: PATIENT, STUDY, SERIES and its own, or only its own for the SOP classes whose
/// records are at the top level (colour palettes, hanging protocols, implant templates).
///
/// The instance record references the file: its File ID, SOP Class and Instance UIDs (from
/// the file meta, else the dataset) and its transfer syntax (the meta's, else as read).
pub fn build_records(
    ds: &Dataset,
    meta: Option<&Dataset>,
    file_id: &FileId,
) -> Result<Vec<Dataset>> {
    let from_meta = |tag: Tag| meta.and_then(|m| uid_of(m, tag));
    let sop_class = from_meta(Tag(0x0002, 0x0002))
        .or_else(|| uid_of(ds, Tag(0x0008, 0x0016)))
        .ok_or_else(|| missing("instance", "SOPClassUID", Tag(0x0008, 0x0016), false))?;
    let sop_instance = from_meta(Tag(0x0002, 0x0003))
        .or_else(|| uid_of(ds, Tag(0x0008, 0x0018)))
        .ok_or_else(|| missing("instance", "SOPInstanceUID", Tag(0x0008, 0x0018), false))?;
    let keyword = dictionary::uid(&sop_class).map_or("", |e| e.keyword);
    let single = SINGLE_LEVEL.iter().find(|(kw, _)| *kw == keyword);
    let leaf_type = single.map_or_else(|| record_type_for(&sop_class, ds), |(_, t)| *t);
    let mut records = Vec::with_capacity(4);
    if single.is_none() {
        for (record_type, keys) in [("PATIENT", PATIENT), ("STUDY", STUDY), ("SERIES", SERIES)] {
            let mut r = new_record(ds, record_type);
            copy_keys(ds, &mut r, record_type, keys)?;
            records.push(r);
        }
    }
    let mut leaf = new_record(ds, leaf_type);
    leaf.insert(Element::new(
        REFERENCED_FILE_ID,
        VR::CS,
        file_id.value_bytes(),
    ));
    leaf.insert(Element::new(REFERENCED_SOP_CLASS, VR::UI, ui(&sop_class)));
    leaf.insert(Element::new(
        REFERENCED_SOP_INSTANCE,
        VR::UI,
        ui(&sop_instance),
    ));
    let ts = from_meta(Tag::TRANSFER_SYNTAX_UID).unwrap_or_else(|| {
        ds.transfer_syntax()
            .unwrap_or(TransferSyntax::EXPLICIT_VR_LE)
            .uid
            .to_string()
    });
    leaf.insert(Element::new(REFERENCED_TRANSFER_SYNTAX, VR::UI, ui(&ts)));
    copy_keys(ds, &mut leaf, leaf_type, keys_of(leaf_type))?;
    records.push(leaf);
    Ok(records)
}
