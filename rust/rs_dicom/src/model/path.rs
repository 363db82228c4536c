//! Where an attribute is in a nested dataset: a chain of (sequence tag, item index) links
//! kept on the stack while a dataset is walked, turned into the tag path text
//! (`(0008,1115)[0].(0008,1150)`) only when an error or a bulk data reference needs it.

use std::fmt::Write;

use crate::core::Tag;

/// One item of a sequence, linked to the item holding the sequence.
#[derive(Debug, Clone, Copy)]
pub struct ItemPath<'p> {
    /// The item holding the sequence (`None` at the top level).
    pub parent: Option<&'p ItemPath<'p>>,
    /// The sequence.
    pub tag: Tag,
    /// The item's index in the sequence.
    pub index: usize,
}

fn write_item(out: &mut String, at: &ItemPath<'_>) {
    if let Some(parent) = at.parent {
        write_item(out, parent);
    }
    let _ = write!(out, "{}[{}].", at.tag, at.index);
}

/// The tag path of `tag` in the item `at` (`None`: the top level).
pub fn tag_path(at: Option<&ItemPath<'_>>, tag: Tag) -> String {
    let mut out = String::new();
    if let Some(at) = at {
        write_item(&mut out, at);
    }
    let _ = write!(out, "{tag}");
    out
}

/// The tag path of the item `at` (`(0008,1115)[0]`; empty at the top level).
pub fn item_path(at: Option<&ItemPath<'_>>) -> String {
    let mut out = String::new();
    if let Some(at) = at {
        write_item(&mut out, at);
        out.pop();
    }
    out
}

/// The item path as (sequence tag, index) pairs from the top.
pub fn links(at: Option<&ItemPath<'_>>) -> Vec<(Tag, usize)> {
    let mut out = Vec::new();
    let mut cur = at;
    while let Some(p) = cur {
        out.push((p.tag, p.index));
        cur = p.parent;
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_every_item() {
        let top = ItemPath {
            parent: None,
            tag: Tag(0x0008, 0x1115),
            index: 0,
        };
        let inner = ItemPath {
            parent: Some(&top),
            tag: Tag(0x0008, 0x1140),
            index: 2,
        };
        assert_eq!(
            tag_path(Some(&inner), Tag(0x0008, 0x1150)),
            "(0008,1115)[0].(0008,1140)[2].(0008,1150)"
        );
        assert_eq!(tag_path(None, Tag(0x0010, 0x0010)), "(0010,0010)");
        assert_eq!(
            links(Some(&inner)),
            [(Tag(0x0008, 0x1115), 0), (Tag(0x0008, 0x1140), 2)]
        );
    }
}
