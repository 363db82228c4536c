//! rs_dicom: a zero-copy DICOM Part 10 reader.
//!
//! Bytes flow one way: a [`core::Source`] (memory map or owned buffer) is tokenised by the
//! [`parser::ElementReader`], indexed into a [`core::Dataset`] of value spans, and values are
//! decoded only when asked for ([`value`]); pixel data is described and decoded by [`pixel`].
//! A dataset can be changed: values are spans of the source until they are replaced by bytes
//! the element owns (copy-on-write), and sequence items are [`core::SharedDataset`]s.
//!
//! ```
//! use rs_dicom::parser::parse_file;
//! use rs_dicom::core::Tag;
//! # fn main() -> Result<(), rs_dicom::DicomError> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
//! let dataset = parse_file(path)?; // e.g. "image.dcm"
//! let patient_name = dataset.get(Tag(0x0010, 0x0010));
//! assert!(patient_name.is_some());
//! # Ok(())
//! # }
//! ```

// Unsafe code is allowed only in the modules that need it (memory maps, the C codecs' FFI,
// uninitialised output buffers), each with a SAFETY comment.
#![deny(unsafe_code)]

pub mod core;
pub mod deid;
pub mod dictionary;
pub mod dump;
pub mod error;
pub mod fileset;
pub mod json;
pub mod model;
pub mod parser;
pub mod pixel;
pub mod value;
pub mod web;
pub mod writer;
pub mod xml;

pub use crate::core::{Dataset, Element, SharedDataset, Tag, TransferSyntax, VR};
pub use crate::error::{DicomError, ErrorKind, Result};
pub use crate::parser::{Limits, ReadOptions, parse_bytes, parse_file};
