//! The Clean Structured Content Option (PS3.15 E.3.4): SR content items, and the content
//! items of Acquisition Context and Specimen Preparation, cleaned by their concept name.
//!
//! Each content item met in a structured-content sequence is looked up in the option's table
//! ([`CONTENT_ITEMS`], generated from `scripts/data/ps3.15_e3.4_structured_content.tsv`) by
//! its concept name code and value type. X removes the item (and what it contains), D gives
//! it a dummy value of its value type (UIDs are mapped by the key, so references still link
//! up), K keeps its value, C cleans it like any other attribute (text rid of identifiers, dates
//! shifted); X/D is resolved to D, since the template may require the item. Items the table
//! does not list are walked like any cleaned sequence, except that a person name becomes a
//! dummy rather than disappear (the PNAME item needs its value).
//!
//! Removing an item shifts the positions of its later siblings, which by-reference
//! relationships (Referenced Content Item Identifier (0040,DB73)) count: the removals are
//! planned before the walk ([`plan_removals`]), references to what is removed make their own
//! item go too, and every remaining reference is renumbered afterwards ([`renumber`]).

use std::collections::HashSet;

use super::action::{Action, ContentRow, Why, decide_columns};
use super::audit::Outcome;
use super::content_table::CONTENT_ITEMS;
use super::values::{dummy, map_uids, trim};
use super::walk::{CONTENT_SEQUENCE, Walker};
use crate::core::{ByteOrder, Dataset, Element, SharedDataset, Tag, VR};

const CONCEPT_NAME: Tag = Tag(0x0040, 0xA043);
const VALUE_TYPE: Tag = Tag(0x0040, 0xA040);
const CODE_VALUE: Tag = Tag(0x0008, 0x0100);
const LONG_CODE_VALUE: Tag = Tag(0x0008, 0x0119);
const SCHEME: Tag = Tag(0x0008, 0x0102);
const REFERENCED_ITEM: Tag = Tag(0x0040, 0xDB73);

/// The row of the table for a concept name code and value type.
pub fn content_row(value: &str, scheme: &str, value_type: &str) -> Option<&'static ContentRow> {
    let key = (value, scheme, value_type);
    CONTENT_ITEMS
        .binary_search_by(|r| (r.value, r.scheme, r.value_type).cmp(&key))
        .ok()
        .and_then(|i| CONTENT_ITEMS.get(i))
}

fn text(ds: &Dataset, tag: Tag) -> Option<String> {
    ds.raw(tag)
        .map(|b| String::from_utf8_lossy(trim(b)).to_string())
}

/// The concept name (code value, scheme) and value type of a content item.
fn concept(item: &Dataset) -> Option<(String, String, String)> {
    let value_type = text(item, VALUE_TYPE)?;
    let name = item.get(CONCEPT_NAME)?.items()?.first()?.read();
    let value = text(&name, CODE_VALUE).or_else(|| text(&name, LONG_CODE_VALUE))?;
    let scheme = text(&name, SCHEME).unwrap_or_default();
    Some((value, scheme, value_type))
}

/// The attribute holding the value of a content item of `value_type`.
fn value_tag(value_type: &str) -> Option<(Tag, VR)> {
    Some(match value_type {
        "TEXT" => (Tag(0x0040, 0xA160), VR::UT),
        "PNAME" => (Tag(0x0040, 0xA123), VR::PN),
        "DATE" => (Tag(0x0040, 0xA121), VR::DA),
        "TIME" => (Tag(0x0040, 0xA122), VR::TM),
        "DATETIME" => (Tag(0x0040, 0xA120), VR::DT),
        "UIDREF" => (Tag(0x0040, 0xA124), VR::UI),
        _ => return None,
    })
}

/// What happens to a content item: removed, or walked and then given a dummy value, its
/// original value back, or left as the walk made it. `None`: not a listed content item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Remove,
    Dummy,
    Keep,
    Walk,
}

/// The fate of a content item under `options`, and why (the table's row and column).
fn fate(item: &Dataset, options: super::Options) -> Option<(Fate, String)> {
    let (value, scheme, value_type) = concept(item)?;
    let Some(row) = content_row(&value, &scheme, &value_type) else {
        let why = "rs_dicom: a person name in a content item the E.3.4 table does not list";
        return (value_type == "PNAME").then(|| (Fate::Dummy, why.to_string()));
    };
    let (action, why) = decide_columns(row.basic, &row.options, options);
    let column = match why {
        Why::Basic => "Basic Profile".to_string(),
        Why::Option(o) => o.code().1.to_string(),
    };
    let fate = match action {
        Action::X => Fate::Remove,
        Action::K => Fate::Keep,
        Action::C => Fate::Walk,
        // X/D resolved to D: the template may require the item (Type 1 in its context).
        _ => Fate::Dummy,
    };
    let why = format!(
        "PS3.15 E.3.4 {column} ({}): {} ({} {}, {})",
        action.code(),
        row.meaning,
        row.scheme,
        row.value,
        row.value_type
    );
    Some((fate, why))
}

/// The positions (PS3.3 C.17.3.2.5: 1 for the root, then the 1-based index in each Content
/// Sequence) of the items of the SR tree of `ds` to remove: those the table removes, and
/// those that refer by reference into a removed item, until none is left.
pub(crate) fn plan_removals(ds: &Dataset, options: super::Options) -> HashSet<Vec<u32>> {
    let mut removed = HashSet::new();
    let mut references = Vec::new();
    collect(ds, &mut vec![1], options, &mut removed, &mut references);
    loop {
        let before = removed.len();
        for (at, target) in &references {
            let dangling = (1..=target.len()).any(|n| removed.contains(&target[..n]));
            if dangling && !removed.contains(at) {
                removed.insert(at.clone());
            }
        }
        if removed.len() == before {
            return removed;
        }
    }
}

fn collect(
    ds: &Dataset,
    at: &mut Vec<u32>,
    options: super::Options,
    removed: &mut HashSet<Vec<u32>>,
    references: &mut Vec<(Vec<u32>, Vec<u32>)>,
) {
    let Some(items) = ds.get(CONTENT_SEQUENCE).and_then(Element::items) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let item = item.read();
        at.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        if fate(&item, options).is_some_and(|(f, _)| f == Fate::Remove) {
            removed.insert(at.clone());
        }
        if let Some(target) = item.raw(REFERENCED_ITEM) {
            references.push((at.clone(), positions(target, item.byte_order())));
        }
        collect(&item, at, options, removed, references);
        at.pop();
    }
}

fn positions(raw: &[u8], order: ByteOrder) -> Vec<u32> {
    raw.chunks_exact(4)
        .map(|c| order.decode::<u32>(c))
        .collect()
}

/// Every Referenced Content Item Identifier of the SR tree of `ds` renumbered for the
/// items `removed` (by their original positions) no longer there.
pub(crate) fn renumber(ds: &mut Dataset, removed: &HashSet<Vec<u32>>) {
    if removed.is_empty() {
        return;
    }
    let Some(items) = ds.get(CONTENT_SEQUENCE).and_then(Element::items) else {
        return;
    };
    for item in items {
        let mut item = item.write();
        if let Some(raw) = item.raw(REFERENCED_ITEM) {
            let order = item.byte_order();
            let old = positions(raw, order);
            let mut bytes = Vec::with_capacity(raw.len());
            for (level, &index) in old.iter().enumerate() {
                let before = removed
                    .iter()
                    .filter(|r| r.len() == level + 1 && r[..level] == old[..level])
                    .filter(|r| r.get(level).is_some_and(|&x| x < index))
                    .count();
                order.write(index - u32::try_from(before).unwrap_or(0), &mut bytes);
            }
            item.set_bytes(REFERENCED_ITEM, VR::UL, bytes);
        }
        renumber(&mut item, removed);
    }
}

impl Walker<'_> {
    /// Cleans one item of a structured-content sequence (at `path`); false when the item
    /// is to be removed.
    pub(crate) fn content_item(&mut self, item: &mut Dataset, path: &str) -> bool {
        let planned = self
            .sr_pos
            .as_ref()
            .is_some_and(|at| self.sr_removed.contains(at));
        let decided = fate(item, self.cfg.options);
        if planned || decided.as_ref().is_some_and(|(f, _)| *f == Fate::Remove) {
            let why = decided.map_or_else(
                || "rs_dicom: refers by reference to a removed content item".to_string(),
                |(_, why)| why,
            );
            self.note_item(path, Outcome::Removed, why);
            return false;
        }
        let slot = concept(item).and_then(|(_, _, vt)| value_tag(&vt));
        let original = slot.and_then(|(tag, _)| {
            item.get(tag)
                .map(|el| (el.clone(), item.bytes_of(el).to_vec()))
        });
        self.walk(item, path, super::walk::TextMode::Content);
        let (Some((fate, why)), Some((tag, vr))) = (decided, slot) else {
            return true;
        };
        match fate {
            Fate::Keep => {
                if let Some((el, _)) = original {
                    item.insert(el);
                }
                self.note_item(path, Outcome::Kept, why);
            }
            Fate::Dummy => {
                let value = match (vr, original) {
                    (VR::UI, Some((_, raw))) => map_uids(&raw, |u| self.cfg.key.uid(u)),
                    (VR::UI, None) => return true,
                    _ => dummy(vr).unwrap_or_default(),
                };
                item.insert(Element::new(tag, vr, value));
                self.note_item(path, Outcome::Replaced, why);
            }
            Fate::Walk => self.note_item(path, Outcome::Cleaned, why),
            Fate::Remove => {}
        }
        true
    }

    fn note_item(&mut self, path: &str, outcome: Outcome, why: String) {
        let path = path.strip_suffix('.').unwrap_or(path);
        if let Some(audit) = self.audit.as_mut() {
            audit.push(super::audit::Entry {
                path: path.to_string(),
                tag: CONCEPT_NAME,
                outcome,
                reason: why,
            });
        }
    }

    /// Walks the items of the structured-content sequence `tag` of `ds`, removing those the
    /// option removes, and keeps the SR positions of the Content Sequence tree.
    pub(crate) fn content_sequence(
        &mut self,
        ds: &mut Dataset,
        tag: Tag,
        items: Vec<SharedDataset>,
        path: &str,
    ) {
        let mut gone = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let tracked = tag == CONTENT_SEQUENCE && self.sr_pos.is_some();
            if let Some(at) = self.sr_pos.as_mut().filter(|_| tracked) {
                at.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
            let saved = if tracked { None } else { self.sr_pos.take() };
            let keep = {
                let mut guard = item.write();
                let at = self.item_path(path, tag, i);
                self.content_item(&mut guard, &at)
            };
            if tracked {
                if let Some(at) = self.sr_pos.as_mut() {
                    at.pop();
                }
            } else {
                self.sr_pos = saved;
            }
            if !keep {
                gone.push(i);
            }
        }
        if gone.is_empty() {
            return;
        }
        let kept: Vec<SharedDataset> = items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !gone.contains(i))
            .map(|(_, item)| item)
            .collect();
        ds.insert(Element::sequence(tag, kept));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_found_by_code_and_value_type() {
        assert!(CONTENT_ITEMS.windows(2).all(|w| {
            (w[0].value, w[0].scheme, w[0].value_type) < (w[1].value, w[1].scheme, w[1].value_type)
        }));
        for row in CONTENT_ITEMS {
            let found = content_row(row.value, row.scheme, row.value_type);
            assert!(found.is_some_and(|f| std::ptr::eq(f, row)));
        }
        // One concept, several value types, each its own row.
        let text = content_row("121435", "DCM", "TEXT");
        let name = content_row("121435", "DCM", "PNAME");
        assert_eq!(text.map(|r| r.meaning), Some("Service Performer"));
        assert_eq!(name.map(|r| r.basic), Some(Action::X));
        assert!(content_row("121435", "DCM", "CODE").is_none());
        assert!(content_row("121435", "SCT", "TEXT").is_none());
        // A SNOMED CT row also under its retired SNOMED RT code (E.3.4 Note 3).
        for scheme in ["SCT", "SRT", "SNM3", "99SDM"] {
            let code = if scheme == "SCT" {
                "363698007"
            } else {
                "G-C0E3"
            };
            let row = content_row(code, scheme, "TEXT");
            assert_eq!(row.map(|r| r.meaning), Some("Finding Site"), "{scheme}");
        }
    }

    #[test]
    fn references_renumber_past_removed_siblings() {
        let removed: HashSet<Vec<u32>> = [vec![1, 1], vec![1, 3, 1]].into_iter().collect();
        let mut root = Dataset::new();
        let mut child = Dataset::new();
        let order = child.byte_order();
        let mut target = Vec::new();
        for v in [1u32, 3, 2] {
            order.write(v, &mut target);
        }
        child.insert(Element::new(REFERENCED_ITEM, VR::UL, target));
        root.insert(Element::sequence(
            CONTENT_SEQUENCE,
            vec![SharedDataset::new(child)],
        ));
        renumber(&mut root, &removed);
        let items = root.get(CONTENT_SEQUENCE).and_then(Element::items);
        let item = items.and_then(|i| i.first()).map(|i| i.read().clone());
        let raw = item.and_then(|i| i.raw(REFERENCED_ITEM).map(<[u8]>::to_vec));
        assert_eq!(raw.map(|r| positions(&r, order)), Some(vec![1, 2, 1]));
    }
}
