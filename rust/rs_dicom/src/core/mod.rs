//! Core DICOM types: tags, value representations, byte order, character sets, transfer
//! syntaxes, the source bytes, elements and the dataset. Depends on nothing else in the crate
//! but the error type.

pub mod charset;
mod dataset;
pub mod endian;
mod limits;
#[cfg(all(unix, feature = "mmap"))]
mod mmap_guard;
pub(crate) mod source;
mod tag;
mod ts;
mod vr;

pub use dataset::{Dataset, Element, ElementValue, Fragment, Items, NO_OFFSET, SharedDataset};
pub use endian::ByteOrder;
pub use limits::Limits;
pub use source::{ExternalBytes, MMAP_THRESHOLD, MapPolicy, Source};
pub use tag::Tag;
pub use ts::{Codec, Encoding, TransferSyntax, trim_uid};
pub use vr::VR;
