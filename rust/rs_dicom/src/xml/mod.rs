//! The Native DICOM Model (PS3.19 A.1), XML both ways.
//!
//! [`to_xml`] writes a dataset as DCMTK's `dcm2xml --native-format` lays it out: one
//! `<DicomAttribute tag vr keyword>` per element in tag order (no group lengths), values as
//! `<Value number>` text (DS and IS as stored, binary numbers in decimal, floats as the
//! shortest text that reads back exactly, `NaN` / `Infinity` / `-Infinity` for the others,
//! AT as `GGGGEEEE`), person names as `<PersonName>` groups of components, sequences as
//! `<Item number>`s, binary values as base64 `<InlineBinary>` in little endian (as the JSON
//! model, PS3.18 F.2.7), a `<BulkData uri>` where the caller gives one, or nothing. Private
//! elements are `gggg00ee` with their `privateCreator`. The text is UTF-8 and values are
//! Unicode; the Specific Character Set element keeps the value the dataset has, as pydicom
//! keeps it in JSON, so that a dataset read back encodes its text as before.
//!
//! [`from_xml`] reads it back, and DCMTK's output too (`<BulkData uuid>` references, its
//! spellings of NaN and infinity, Latin-1 documents); errors name the line, the byte
//! position and the tag path.

mod escape;
mod names;
mod parse;
mod read;
mod write;

pub use crate::model::{BuildOptions, BulkData, BulkRef, Parsed, Validation, set_value};
pub use read::{from_xml, from_xml_bytes, parse_float};
pub use write::{NAMESPACE, XmlOptions, to_xml};

/// A private creator as the writer names it and the reader matches it: without the
/// padding (spaces, NULs) around it.
pub(crate) fn creator_name(text: &str) -> &str {
    text.trim_matches([' ', '\0'])
}

#[cfg(test)]
mod tests;
