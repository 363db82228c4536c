//! Datasets as text and HTML: the dcmdump-like tree that `repr(dataset)` and `rs-dicom meta`
//! print, the table Jupyter shows, and the value texts both are made of.
//!
//! One line per element: tag, VR, VM, length (`u/l` when undefined), keyword, value; sequence
//! items are marked and their elements indented:
//!
//! ```text
//! (0010,0010) PN  1     14 PatientName                    [Müller^Jürgen]
//! (0008,1140) SQ  1    u/l ReferencedImageSequence        (Sequence, 2 items)
//!   (FFFE,E000) Item #1 (2 elements)
//!     (0008,1150) UI  1     26 ReferencedSOPClassUID      [1.2.840.10008.5.1.4.1.1.2]
//! ```
//!
//! Text values are in brackets, several values are separated by `\`, DS and IS show the
//! file's own text, binary values their size and a short hex preview. Only the value is ever
//! cut (to a number of characters, or to what fits in a width). Private elements show their
//! creator as keyword (`[CREATOR]`) when the creator element is in the same dataset.
//!
//! The texts are those the Python package has always printed, to the character: values are
//! shown in the shape Python hands them out ([`Shown`]) and numbers as Python formats them.
//!
//! ```
//! use rs_dicom::dump::{TreeOptions, tree_lines};
//! # fn main() -> Result<(), rs_dicom::DicomError> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
//! let file = rs_dicom::parse_file(path)?;
//! let lines: Vec<String> =
//!     tree_lines(&file.dataset, Some(&file.meta), &TreeOptions::default()).collect();
//! assert_eq!(lines[1], "# File Meta Information");
//! # Ok(())
//! # }
//! ```

mod html;
mod number;
mod shown;
mod text;
mod tree;

pub use html::{MAX_HTML_ROWS, MAX_HTML_VALUE_CHARS, dataset_html};
pub use number::{float_repr, float32_text, format_g};
pub use shown::{Binary, Item, Shown, element_name, keyword, keyword_text, length_text, shown};
pub use text::{HEX_PREVIEW_BYTES, binary_text, check_value, cut_line, plain_value, value_text};
pub use tree::{COLUMNS, MAX_VALUE_CHARS, TreeLines, TreeOptions, dataset_text, tree_lines};

use crate::core::{Dataset, SharedDataset, Tag, trim_uid};
use crate::dictionary;

/// A dataset being dumped: the top level (borrowed, its lock is the caller's) or a sequence
/// item, locked only while one of its elements is read, so that no lock is held across
/// levels and nesting costs heap, not stack.
enum Node<'a> {
    Borrowed(&'a Dataset),
    Shared(SharedDataset),
}

impl Node<'_> {
    fn with<R>(&self, f: impl FnOnce(&Dataset) -> R) -> R {
        match self {
            Node::Borrowed(ds) => f(ds),
            Node::Shared(shared) => f(&shared.read()),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The transfer syntax named in a file meta group: `Explicit VR Little Endian
/// (1.2.840.10008.1.2.1)`, the UID alone when it is not in the registry, `""` without one.
pub fn transfer_syntax_text(meta: Option<&Dataset>) -> String {
    let Some(raw) = meta.and_then(|m| m.raw(Tag::TRANSFER_SYNTAX_UID)) else {
        return String::new();
    };
    let uid = String::from_utf8_lossy(raw);
    let uid = trim_uid(&uid);
    match dictionary::uid(uid) {
        Some(entry) if !entry.name.is_empty() && entry.name != uid => {
            format!("{} ({uid})", entry.name)
        }
        _ => uid.to_string(),
    }
}

#[cfg(test)]
mod tests;
