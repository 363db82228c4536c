//! The audit record of one de-identified dataset: what happened to which attribute and why,
//! never an original value.

use serde_json::json;

use crate::core::Tag;

/// What happened to an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Removed (X).
    Removed,
    /// Given a zero-length value (Z).
    Emptied,
    /// Given a dummy value or a pseudonym (D, Z with a pseudonym).
    Replaced,
    /// UIDs replaced by key-derived ones (U).
    Mapped,
    /// Dates moved by the patient's offset (C with Modified Dates).
    Shifted,
    /// Identifiers found in the text blanked out (C).
    Cleaned,
    /// Kept by an option (K), or a sequence kept to be cleaned inside.
    Kept,
    /// Added by the de-identifier (Patient Identity Removed and the method).
    Added,
}

impl Outcome {
    /// The word the audit log uses.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Removed => "removed",
            Outcome::Emptied => "emptied",
            Outcome::Replaced => "replaced",
            Outcome::Mapped => "mapped",
            Outcome::Shifted => "shifted",
            Outcome::Cleaned => "cleaned",
            Outcome::Kept => "kept",
            Outcome::Added => "added",
        }
    }
}

/// One attribute's line in the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The tag path, e.g. `(0008,1115)[0].(0008,1155)`.
    pub path: String,
    /// The attribute's tag.
    pub tag: Tag,
    /// What happened.
    pub outcome: Outcome,
    /// Why: the row and column of Table E.1-1 (or the rule of rs_dicom) that decided it.
    pub reason: String,
}

/// The audit of one dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// One entry per attribute changed (or kept by an option), in the order of the walk.
    pub entries: Vec<Entry>,
    /// Things the caller should know (a burned-in annotation, a date that could not move).
    pub warnings: Vec<String>,
    /// The new SOP Instance UID.
    pub sop_instance_uid: Option<String>,
    /// The transfer syntax the pixel data is now in, when Clean Pixel Data decoded it (the
    /// dataset must be written in it).
    pub transfer_syntax: Option<&'static crate::core::TransferSyntax>,
}

impl Audit {
    /// The audit as one JSON object (one line of a JSON-lines log), naming `output` (the
    /// written file, whose name carries no original value unless the caller chose one).
    pub fn to_json(&self, output: Option<&str>) -> String {
        let entries: Vec<_> = self
            .entries
            .iter()
            .map(|e| {
                let keyword = crate::dictionary::by_tag(e.tag).map_or("", |d| d.keyword);
                json!({
                    "path": e.path,
                    "keyword": keyword,
                    "action": e.outcome.word(),
                    "reason": e.reason,
                })
            })
            .collect();
        json!({
            "output": output,
            "sop_instance_uid": self.sop_instance_uid,
            "attributes": entries,
            "warnings": self.warnings,
        })
        .to_string()
    }
}
