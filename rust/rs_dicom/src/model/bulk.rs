//! Binary values as bulk data: written inline, left out, or replaced by a URI the caller
//! gives for each element (found by [`bulk_elements`], keyed by tag path).

use crate::core::{SharedDataset, Tag};
use crate::model::attr::{encapsulated_stream, is_binary};
use crate::model::path::{ItemPath, tag_path};

/// How binary values (OB OD OF OL OV OW UN, encapsulated pixel data) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BulkData {
    /// As base64 `InlineBinary`.
    #[default]
    Inline,
    /// Left out: the attribute keeps only its VR.
    Omit,
}

/// A binary element long enough to be bulk data, and where it is.
#[derive(Debug, Clone)]
pub struct BulkElement {
    /// Its tag path (the key of the writers' URI maps, e.g. `crate::json::JsonOptions::uris`).
    pub path: String,
    /// The dataset holding it.
    pub node: SharedDataset,
    /// Its tag.
    pub tag: Tag,
}

fn find_bulk(
    node: &SharedDataset,
    at: Option<&ItemPath<'_>>,
    min_len: usize,
    out: &mut Vec<BulkElement>,
) {
    let ds = node.read();
    for e in ds.iter() {
        if let Some(items) = e.items() {
            for (index, item) in items.iter().enumerate() {
                let link = ItemPath {
                    parent: at,
                    tag: e.tag,
                    index,
                };
                find_bulk(item, Some(&link), min_len, out);
            }
        } else if is_binary(e) {
            let len = encapsulated_stream(&ds, e).map_or_else(|| ds.bytes_of(e).len(), <[u8]>::len);
            if len > min_len {
                out.push(BulkElement {
                    path: tag_path(at, e.tag),
                    node: node.clone(),
                    tag: e.tag,
                });
            }
        }
    }
}

/// The binary elements (at any depth) whose value is longer than `min_len` bytes: the ones
/// to hand to a bulk data handler, which gives each its `BulkDataURI`.
pub fn bulk_elements(root: &SharedDataset, min_len: usize) -> Vec<BulkElement> {
    let mut out = Vec::new();
    find_bulk(root, None, min_len, &mut out);
    out
}
