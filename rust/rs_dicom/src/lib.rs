//! rs_dicom: a zero-copy DICOM Part 10 reader.
//!
//! Bytes flow one way: a [`parser::Source`] (memory map or owned buffer) is tokenised by the
//! [`parser::ElementReader`], indexed into a [`core::Dataset`] of value spans, and values are decoded
//! only when asked for ([`value`]).
//!
//! ```
//! use rs_dicom::parser::parse_file;
//! use rs_dicom::core::Tag;
//! # fn main() -> Result<(), rs_dicom::parser::DicomError> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
//! let dataset = parse_file(path)?; // e.g. "image.dcm"
//! let patient_name = dataset.get(Tag(0x0010, 0x0010));
//! assert!(patient_name.is_some());
//! # Ok(())
//! # }
//! ```

pub mod core;
pub mod dictionary;
pub mod parser;
pub mod pixel;
pub mod value;

pub use crate::core::{Dataset, Element, Tag, VR};
pub use crate::parser::{DicomError, ErrorKind, ReadOptions, parse_bytes, parse_file};
