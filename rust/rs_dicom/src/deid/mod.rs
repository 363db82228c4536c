//! De-identification by PS3.15 Annex E: the Basic Application Level Confidentiality Profile
//! and every option, applied at any depth of sequences.
//!
//! The profile is data: [`table`] is Table E.1-1, generated from
//! `scripts/data/ps3.15_table_e1-1.tsv` by `scripts/generate_deid_table.py`. Replacements
//! are derived from a secret key ([`keyed`]): the same UID, patient or date gives the same
//! result in every file, run and machine with the key, so studies, series and references
//! still link up. Each dataset can leave an [`Audit`] of what was done and why. The Retain
//! Safe Private Option keeps the private attributes of Table E.3.10-1 ([`safe`], generated
//! from `scripts/data/ps3.15_table_e3.10-1.tsv` by the same script).
//!
//! ```
//! use rs_dicom::deid::{Config, Options, Opt};
//! use rs_dicom::{Tag, parse_file};
//! # fn main() -> Result<(), rs_dicom::DicomError> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
//! let mut file = parse_file(path)?;
//! let mut config = Config::new(b"a secret key of 16+ bytes", Options::NONE.with(Opt::RetainUids))?;
//! config.audit = true;
//! let audit = config.deidentify(Some(&mut file.meta), &mut file.dataset)?;
//! assert_eq!(file.dataset.raw(Tag(0x0012, 0x0062)), Some(&b"YES "[..]));
//! let name = audit.entries.iter().find(|e| e.tag == Tag(0x0010, 0x0010));
//! assert_eq!(name.map(|e| e.outcome), Some(rs_dicom::deid::Outcome::Replaced));
//! # Ok(())
//! # }
//! ```

pub mod action;
pub mod audit;
pub mod content;
#[rustfmt::skip]
mod content_table;
mod file;
pub mod keyed;
mod pixels;
mod row;
pub mod safe;
#[rustfmt::skip]
mod safe_private;
#[rustfmt::skip]
pub mod table;
pub mod values;
mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use action::{Action, BASIC_PROFILE_CODE, Opt, Options, Row, TagMatch};
pub use audit::{Audit, Entry, Outcome};
pub use keyed::Key;
pub use pixels::PixelRule;
pub use safe::{SAFE_PRIVATE, SafeRow, safe_row};

use crate::core::{Dataset, Element, SharedDataset, Tag, TransferSyntax, VR};
use crate::error::{DicomError, ErrorKind, Result};
use values::{padded, trim};
use walk::{TextMode, Walker};

const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const PATIENT_ID: Tag = Tag(0x0010, 0x0020);
const SOP_INSTANCE_UID: Tag = Tag(0x0008, 0x0018);
const MEDIA_SOP_INSTANCE_UID: Tag = Tag(0x0002, 0x0003);

/// A private attribute known to hold nothing identifying (Retain Safe Private Option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafePrivate {
    /// The group, or any odd group.
    pub group: Option<u16>,
    /// The private creator of the block.
    pub creator: String,
    /// The element within the block (the low byte), or every element of the block.
    pub element: Option<u8>,
}

/// How to de-identify: options, key, and the optional tables.
#[derive(Debug, Clone)]
pub struct Config {
    /// The options on top of the Basic Profile.
    pub options: Options,
    /// The secret key of every replacement.
    pub key: Key,
    /// Patient IDs and names to replace by a chosen pseudonym (original → pseudonym).
    pub id_map: HashMap<String, String>,
    /// Private attributes the Retain Safe Private Option keeps besides those of Table
    /// E.3.10-1 ([`SAFE_PRIVATE`]) and those a file declares safe itself.
    pub safe_private: Vec<SafePrivate>,
    /// Where burned-in text is, for the Clean Pixel Data Option.
    pub pixel_rules: Vec<PixelRule>,
    /// Whether to record an audit of each dataset.
    pub audit: bool,
}

impl Config {
    /// A configuration with `key` and `options` (and no map, safe list or pixel rules).
    pub fn new(key: &[u8], options: Options) -> Result<Config> {
        if key.is_empty() {
            return Err(DicomError::new(
                ErrorKind::InvalidValue,
                None,
                "",
                "the de-identification key is empty",
            ));
        }
        if options.has(Opt::RetainLongFullDates) && options.has(Opt::RetainLongModifiedDates) {
            return Err(DicomError::new(
                ErrorKind::InvalidValue,
                None,
                "",
                "Retain Longitudinal Temporal Information with Full Dates and with Modified \
                 Dates exclude each other: choose one",
            ));
        }
        Ok(Config {
            options,
            key: Key::new(key),
            id_map: HashMap::new(),
            safe_private: Vec::new(),
            pixel_rules: Vec::new(),
            audit: false,
        })
    }

    /// The pseudonym of a patient: the map's entry for the original value (or, for a name,
    /// for the patient's ID), else one derived from the key and the patient's ID.
    fn pseudonym(&self, tag: Tag, value: &[u8], patient: &[u8]) -> String {
        let text = |b: &[u8]| String::from_utf8_lossy(trim(b)).to_string();
        if let Some(p) = self.id_map.get(&text(value)) {
            return p.clone();
        }
        if tag == PATIENT_NAME
            && let Some(p) = self.id_map.get(&text(patient))
        {
            return p.clone();
        }
        let basis = if tag == PATIENT_ID { value } else { patient };
        self.key.pseudonym(trim(basis))
    }

    /// De-identifies `ds` in place (and the file meta `meta`, when given).
    pub fn deidentify(&self, meta: Option<&mut Dataset>, ds: &mut Dataset) -> Result<Audit> {
        let mut audit = Audit::default();
        let read_ts = meta
            .as_deref()
            .and_then(|m| m.raw(Tag(0x0002, 0x0010)))
            .and_then(|b| TransferSyntax::from_uid(&String::from_utf8_lossy(trim(b))))
            .or_else(|| ds.transfer_syntax());
        let enabled = self.options.has(Opt::CleanPixelData);
        let cleaned = pixels::clean_pixels(ds, &self.pixel_rules, enabled, read_ts)?;
        if cleaned != pixels::Cleaned::No {
            let mut reason = "Clean Pixel Data Option: burned-in text regions blanked".to_string();
            if let pixels::Cleaned::Transcoded(ts) = cleaned {
                reason += &format!(" (decoded, stored in {})", ts.name);
                audit.transfer_syntax = Some(ts);
            }
            audit.entries.push(Entry {
                path: Tag::PIXEL_DATA.to_string(),
                tag: Tag::PIXEL_DATA,
                outcome: Outcome::Cleaned,
                reason,
            });
        }
        let patient = [PATIENT_ID, PATIENT_NAME]
            .iter()
            .filter_map(|t| ds.raw(*t).map(trim))
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_vec();
        let structured = self.options.has(Opt::CleanStructuredContent);
        let sr_removed = if structured {
            content::plan_removals(ds, self.options)
        } else {
            Default::default()
        };
        let mut walker = Walker {
            cfg: self,
            days: self.key.date_shift(&patient),
            identifiers: walk::identifiers(ds, self),
            declared_safe: safe::declared_safe(ds),
            audit: self.audit.then(Vec::new),
            dates_shifted: false,
            warnings: Vec::new(),
            patient,
            sr_pos: structured.then(|| vec![1]),
            sr_removed,
        };
        walker.walk(ds, "", TextMode::Normal);
        content::renumber(ds, &walker.sr_removed);
        audit
            .entries
            .extend(walker.audit.take().unwrap_or_default());
        audit.warnings = std::mem::take(&mut walker.warnings);
        self.mark(ds, &mut audit);
        if let Some(meta) = meta {
            self.meta(meta, ds);
            if let Some(ts) = audit.transfer_syntax {
                let uid = padded(ts.uid.as_bytes().to_vec(), VR::UI);
                meta.insert(Element::new(Tag(0x0002, 0x0010), VR::UI, uid));
            }
        }
        audit.sop_instance_uid = ds
            .raw(SOP_INSTANCE_UID)
            .map(|b| String::from_utf8_lossy(trim(b)).to_string());
        Ok(audit)
    }

    /// Patient Identity Removed, the method and its codes (PS3.15 E.1.1 step 5; PS3.3
    /// C.7.1.1), and whether temporal information was kept.
    fn mark(&self, ds: &mut Dataset, audit: &mut Audit) {
        let text = |s: &str| padded(s.as_bytes().to_vec(), VR::LO);
        let mut added = |ds: &mut Dataset, el: Element| {
            if self.audit {
                audit.entries.push(Entry {
                    path: el.tag.to_string(),
                    tag: el.tag,
                    outcome: Outcome::Added,
                    reason: "PS3.15 E.1.1: the de-identification is recorded".into(),
                });
            }
            ds.insert(el);
        };
        added(ds, Element::new(Tag(0x0012, 0x0062), VR::CS, text("YES")));
        let method = format!(
            "rs_dicom {}: PS3.15 E.1-1 Basic Profile",
            env!("CARGO_PKG_VERSION")
        );
        added(ds, Element::new(Tag(0x0012, 0x0063), VR::LO, text(&method)));
        let codes = std::iter::once(BASIC_PROFILE_CODE).chain(self.options.iter().map(Opt::code));
        let items = codes
            .map(|(value, meaning)| {
                let mut item = Dataset::new();
                item.insert(Element::new(Tag(0x0008, 0x0100), VR::SH, text(value)));
                item.insert(Element::new(Tag(0x0008, 0x0102), VR::SH, text("DCM")));
                item.insert(Element::new(Tag(0x0008, 0x0104), VR::LO, text(meaning)));
                SharedDataset::new(item)
            })
            .collect();
        added(ds, Element::sequence(Tag(0x0012, 0x0064), items));
        let temporal = if self.options.has(Opt::RetainLongFullDates) {
            "UNMODIFIED"
        } else if self.options.has(Opt::RetainLongModifiedDates) {
            "MODIFIED"
        } else {
            "REMOVED"
        };
        added(
            ds,
            Element::new(Tag(0x0028, 0x0303), VR::CS, text(temporal)),
        );
    }

    /// The file meta: its SOP Instance UID mapped like the dataset's, the AE titles of
    /// whoever sent or stored the file and any private information removed.
    fn meta(&self, meta: &mut Dataset, ds: &Dataset) {
        if let Some(uid) = ds.raw(SOP_INSTANCE_UID) {
            meta.insert(Element::new(MEDIA_SOP_INSTANCE_UID, VR::UI, uid.to_vec()));
        }
        for tag in [0x0016, 0x0017, 0x0018, 0x0100, 0x0102] {
            meta.remove(Tag(0x0002, tag));
        }
        meta.remove(Tag(0x0002, 0x0000));
        meta.insert(Element::new(
            Tag(0x0002, 0x0012),
            VR::UI,
            padded(
                crate::writer::IMPLEMENTATION_CLASS_UID.as_bytes().to_vec(),
                VR::UI,
            ),
        ));
        meta.insert(Element::new(
            Tag(0x0002, 0x0013),
            VR::SH,
            padded(
                crate::writer::IMPLEMENTATION_VERSION_NAME
                    .as_bytes()
                    .to_vec(),
                VR::SH,
            ),
        ));
    }

    /// Reads `input`, de-identifies it and writes `output` (atomically, in the input's
    /// transfer syntax; an existing `output` only with `overwrite`).
    pub fn deidentify_file(&self, input: &Path, output: &Path, overwrite: bool) -> Result<Audit> {
        file::deidentify_file(self, input, output, overwrite)
    }

    /// [`Config::deidentify_file`] for many files, on all cores (feature `parallel`); one
    /// result per `(input, output)` pair, in order.
    pub fn deidentify_files(
        &self,
        jobs: &[(PathBuf, PathBuf)],
        overwrite: bool,
    ) -> Vec<Result<Audit>> {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            // A job per file: rayon would otherwise run a run of files as one job that an idle
            // thread cannot split, leaving one core alone with it at the end.
            jobs.par_iter()
                .with_max_len(1)
                .map(|(i, o)| self.deidentify_file(i, o, overwrite))
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            jobs.iter()
                .map(|(i, o)| self.deidentify_file(i, o, overwrite))
                .collect()
        }
    }
}
