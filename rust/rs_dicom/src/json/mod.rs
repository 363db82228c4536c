//! The DICOM JSON Model (PS3.18 Annex F.2), both ways.
//!
//! [`to_json`] / [`to_value`] write a dataset: keys `"GGGGEEEE"` in tag order, no group
//! lengths (F.2.2), no `"Value"` for empty values (F.2.5) and `null` for an empty value inside
//! a multi-valued one, person names as component-group objects (non-empty groups only), IS,
//! DS and the binary numbers as JSON numbers, AT as `"GGGGEEEE"`, sequences as nested
//! objects, binary values (OB OD OF OL OV OW UN and encapsulated pixel data, whose value is
//! the item stream) as base64 `"InlineBinary"` in little endian (F.2.7), a `"BulkDataURI"`
//! where the caller gives one, or nothing. A DS or IS that is not a number, and a float that
//! is not finite, is a string (JSON has no NaN or infinity). The text is what Python's
//! `json.dumps` writes for the same object model.
//!
//! [`from_json`] reads one back: every VR, values checked as assignment checks them (or not,
//! [`BuildOptions::validation`]), numbers or strings for IS / DS, `"BulkDataURI"`s returned
//! as [`BulkRef`]s for the caller to fetch and [`set_value`]. Errors name the tag path and
//! the JSON Pointer of the attribute; malformed text, its line and column.

mod format;
mod read;
mod values;
mod write;

/// The JSON object model types (serde_json's), re-exported so callers use the same version.
pub use serde_json::{Map, Number, Value};

pub use crate::model::{BuildOptions, BulkRef, Parsed, Validation, set_value};
pub use crate::model::{BulkData, BulkElement, bulk_elements};
pub use format::{PythonFormatter, python_float};
pub use read::{from_json, from_value};
pub use write::{JsonOptions, element_to_value, to_json, to_value, to_writer};

#[cfg(test)]
mod tests;
