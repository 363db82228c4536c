//! DICOMweb (PS3.18) bodies: `multipart/related` messages of WADO-RS responses and STOW-RS
//! requests, and the `Content-Type` parameters that name their boundary. No HTTP here: the
//! transport belongs to the caller (Python's urllib in the bindings).

pub mod content_type;
pub mod multipart;

pub use content_type::{ContentType, parse_content_type};
pub use multipart::{
    MultipartReader, Part, PartHeaders, multipart_head, parse_multipart, write_multipart,
};
