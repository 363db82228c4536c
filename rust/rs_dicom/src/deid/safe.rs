//! The Retain Safe Private Option (PS3.15 E.3.10): which private attributes are known to be
//! safe. A private attribute is named by its block's creator, its group and its offset in the
//! block (the low byte of the element), never by its raw tag: the block number (`xx` of
//! `(gggg,xxee)`) is assigned per file, so one creator's attributes sit at (0019,10ee) in
//! one file and at (0019,11ee) in another.
//!
//! Three sources, any of which keeps an attribute: Table E.3.10-1 ([`SAFE_PRIVATE`],
//! generated from `scripts/data/ps3.15_table_e3.10-1.tsv`), the caller's list
//! ([`SafePrivate`]), and what the file itself declares safe in its Private Data Element
//! Characteristics Sequence (0008,0300).

use std::collections::{HashMap, HashSet};

use super::SafePrivate;
use super::action::Action;
pub use super::row::SafeRow;
pub use super::safe_private::SAFE_PRIVATE;
use super::values::trim;
use crate::core::{Dataset, Element, Tag, VR};

/// The row of Table E.3.10-1 for the attribute at `offset` of a block of `group` reserved
/// by `creator` (trimmed of padding).
pub fn safe_row(group: u16, offset: u8, creator: &[u8]) -> Option<&'static SafeRow> {
    let start = SAFE_PRIVATE.partition_point(|r| (r.group, r.element) < (group, offset));
    SAFE_PRIVATE
        .get(start..)?
        .iter()
        .take_while(|r| r.group == group && r.element == offset)
        .find(|r| r.creator.as_bytes() == creator)
}

/// What a dataset declares about its private blocks in (0008,0300).
#[derive(Debug, Default)]
pub(crate) struct Declared {
    /// Blocks declared safe: (group, creator) → elements (None: all).
    pub safe: HashMap<(u16, Vec<u8>), Option<HashSet<u8>>>,
    /// Recommended actions (Deidentification Action (0008,0307)): (group, creator) →
    /// element offset → action (D, Z, X or U).
    pub actions: HashMap<(u16, Vec<u8>), HashMap<u8, Action>>,
}

/// The decision on one private attribute under the Retain Safe Private Option.
pub(crate) enum Verdict {
    /// Kept, and why (the row or list that names it).
    Keep(String),
    /// Not known safe, treated as the file recommends (PS3.15 E.3.10), and why.
    Act(Action, String),
    /// Removed for a reason of its own (else the profile's row says why).
    Remove(Option<String>),
}

/// Whether the Retain Safe Private Option keeps `el`, given the creators of its dataset
/// ((group, block) → creator), the caller's list and what the file declares safe.
pub(crate) fn verdict(
    el: &Element,
    creators: &HashMap<(u16, u8), Vec<u8>>,
    listed: &[SafePrivate],
    declared: &Declared,
) -> Verdict {
    let (group, block, offset) = (
        el.tag.group(),
        (el.tag.element() >> 8) as u8,
        el.tag.element() as u8,
    );
    if el.tag.element() < 0x1000 {
        // (gggg,0000-00FF) are creators and group lengths, not attributes of a block.
        return Verdict::Remove(None);
    }
    let Some(creator) = creators.get(&(group, block)) else {
        return Verdict::Remove(Some(
            "Retain Safe Private: the block has no private creator".into(),
        ));
    };
    let name = String::from_utf8_lossy(creator);
    let at = format!("({group:04X},xx{offset:02X})");
    if let Some(row) = safe_row(group, offset, creator) {
        let vr_agrees = row.vr.is_none_or(|v| v == el.vr) || el.vr == VR::UN;
        if !vr_agrees {
            return Verdict::Remove(Some(format!(
                "Retain Safe Private: {at} {name} has VR {}, Table E.3.10-1 lists {}",
                el.vr,
                row.vr.map_or("none".into(), |v| v.to_string())
            )));
        }
        return Verdict::Keep(format!(
            "Table E.3.10-1 (Retain Safe Private Option): {at} {name}: {}",
            row.meaning
        ));
    }
    let is_listed = listed.iter().any(|s| {
        s.group.is_none_or(|g| g == group)
            && s.creator.as_bytes() == creator.as_slice()
            && s.element.is_none_or(|e| e == offset)
    });
    if is_listed {
        return Verdict::Keep(format!(
            "Retain Safe Private Option: {at} {name} on the caller's safe list"
        ));
    }
    let is_declared = declared
        .safe
        .get(&(group, creator.clone()))
        .is_some_and(|set| set.as_ref().is_none_or(|s| s.contains(&offset)));
    if is_declared {
        return Verdict::Keep(format!(
            "Retain Safe Private Option: {at} {name} declared safe in (0008,0300)"
        ));
    }
    if let Some(&action) = declared
        .actions
        .get(&(group, creator.clone()))
        .and_then(|m| m.get(&offset))
    {
        return Verdict::Act(
            action,
            format!(
                "Retain Safe Private Option: {at} {name} not known safe, Deidentification \
                 Action {} recommended in (0008,0307)",
                action.code()
            ),
        );
    }
    Verdict::Remove(None)
}

/// The private creators of a dataset: (group, block) → creator (trimmed).
pub(crate) fn private_creators(ds: &Dataset) -> HashMap<(u16, u8), Vec<u8>> {
    ds.iter()
        .filter(|e| e.tag.is_private_creator())
        .map(|e| {
            (
                (e.tag.group(), e.tag.element() as u8),
                trim(ds.bytes_of(e)).to_vec(),
            )
        })
        .collect()
}

/// What a dataset declares in its Private Data Element Characteristics Sequence (0008,0300)
/// (PS3.3 C.12.1.1.7, PS3.15 E.3.10): SAFE blocks whole, MIXED ones by element, and the
/// actions recommended for identifying elements (Deidentification Action Sequence
/// (0008,0305)).
pub(crate) fn declared_safe(ds: &Dataset) -> Declared {
    let mut out = Declared::default();
    let Some(items) = ds.get(Tag(0x0008, 0x0300)).and_then(Element::items) else {
        return out;
    };
    for item in items {
        let item = item.read();
        let order = item.byte_order();
        let Some(group) = item.raw(Tag(0x0008, 0x0301)).filter(|b| b.len() >= 2) else {
            continue;
        };
        let group: u16 = order.decode(&group[..2]);
        let Some(creator) = item.raw(Tag(0x0008, 0x0302)).map(|c| trim(c).to_vec()) else {
            continue;
        };
        let actions = recommended_actions(&item);
        if !actions.is_empty() {
            out.actions.insert((group, creator.clone()), actions);
        }
        let status = item.raw(Tag(0x0008, 0x0303)).map(trim).unwrap_or_default();
        match status {
            b"SAFE" => {
                out.safe.insert((group, creator), None);
            }
            b"MIXED" => {
                let elems = item
                    .raw(Tag(0x0008, 0x0304))
                    .unwrap_or_default()
                    .chunks_exact(2)
                    .map(|c| order.decode::<u16>(c) as u8)
                    .collect();
                out.safe.insert((group, creator), Some(elems));
            }
            _ => {}
        }
    }
    out
}

/// The actions of one block's Deidentification Action Sequence (0008,0305): element offset
/// (Identifying Private Elements (0008,0306)) → Deidentification Action (0008,0307). Values
/// other than the four the standard defines are ignored (the element is then removed).
fn recommended_actions(block: &Dataset) -> HashMap<u8, Action> {
    let mut out = HashMap::new();
    let Some(items) = block.get(Tag(0x0008, 0x0305)).and_then(Element::items) else {
        return out;
    };
    for item in items {
        let item = item.read();
        let action = match item.raw(Tag(0x0008, 0x0307)).map(trim) {
            Some(b"D") => Action::D,
            Some(b"Z") => Action::Z,
            Some(b"X") => Action::X,
            Some(b"U") => Action::U,
            _ => continue,
        };
        let order = item.byte_order();
        for c in item
            .raw(Tag(0x0008, 0x0306))
            .unwrap_or_default()
            .chunks_exact(2)
        {
            out.insert(order.decode::<u16>(c) as u8, action);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_found_by_creator() {
        assert!(SAFE_PRIVATE.windows(2).all(|w| {
            (w[0].group, w[0].element, w[0].creator) < (w[1].group, w[1].element, w[1].creator)
        }));
        for row in SAFE_PRIVATE {
            let found = safe_row(row.group, row.element, row.creator.as_bytes());
            assert!(found.is_some_and(|f| std::ptr::eq(f, row)));
        }
        // One tag offset, two creators: each its own row.
        let a = safe_row(0x7FD1, 0x01, b"SIEMENS Ultrasound SC2000");
        let b = safe_row(
            0x7FD1,
            0x01,
            b"SIEMENS SYNGO ULTRA-SOUND TOYON DATA STREAMING",
        );
        assert_eq!(a.map(|r| r.meaning), Some("Acoustic Image and Footer Data"));
        assert_eq!(b.map(|r| r.meaning), Some("Padding"));
        assert!(safe_row(0x0019, 0x23, b"GEMS_ACQU_02").is_none());
        assert!(safe_row(0x0019, 0x22, b"GEMS_ACQU_01").is_none());
    }
}
