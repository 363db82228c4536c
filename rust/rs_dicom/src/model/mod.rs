//! What the two text models of a dataset share: the DICOM JSON Model (PS3.18 F.2,
//! [`crate::json`]) and the Native DICOM Model XML (PS3.19 A.1, [`crate::xml`]). Both see an
//! attribute the same way ([`attr`]), write binary values as base64 ([`inline`]), name
//! where an attribute is by its tag path ([`path`]), and build elements from what they read
//! the same way ([`build`]).

pub mod attr;
pub mod build;
pub mod bulk;
pub mod inline;
pub mod path;
#[cfg(test)]
pub(crate) mod testing;

pub use attr::{Attr, Number, attr, binary_le, encapsulated_stream, is_binary, name_groups};
pub use build::{BuildOptions, BulkRef, Parsed, Validation, set_value};
pub use bulk::{BulkData, BulkElement, bulk_elements};
pub use path::{ItemPath, item_path, tag_path};
