//! Core DICOM types: tags, value representations, transfer syntaxes and the dataset index.

mod dataset;
mod tag;
mod ts;
mod vr;

pub use dataset::{Dataset, Element, ElementValue, Fragment, Items};
pub use tag::Tag;
pub use ts::TransferSyntax;
pub use vr::VR;
