//! The data dictionary and UID registry (`rs_dicom::dictionary`) for Python.
//!
//! VRs are given as in PS3.6: `"US or SS"`, and `"NONE"` for items and delimiters.

use pyo3::prelude::*;
use rs_dicom::Tag;
use rs_dicom::dictionary::{self, DictEntry, PrivateEntry, UidEntry};

/// `(vr, vm, name, retired, keyword)`, the order of pydicom's dictionary.
type EntryTuple = (String, &'static str, &'static str, bool, &'static str);
/// `(tag, mask, vr, vm, name, retired, keyword)`.
type FullEntryTuple = (
    u32,
    u32,
    String,
    &'static str,
    &'static str,
    bool,
    &'static str,
);
/// `(vr, vm, name, retired)`, the order of pydicom's private dictionary.
type PrivateTuple = (String, &'static str, &'static str, bool);
/// `(name, kind, info, retired, keyword)`, the order of pydicom's UID dictionary.
type UidTuple = (&'static str, &'static str, &'static str, bool, &'static str);

/// The VR column of PS3.6: `"US or SS"`, `"NONE"` when there is none.
fn vr_text(e: &DictEntry) -> String {
    if e.vrs.is_empty() {
        return "NONE".to_owned();
    }
    e.vrs
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

fn entry_tuple(e: &DictEntry) -> EntryTuple {
    (vr_text(e), e.vm, e.name, e.retired, e.keyword)
}

fn full_entry_tuple(e: &DictEntry) -> FullEntryTuple {
    (
        e.tag,
        e.mask,
        vr_text(e),
        e.vm,
        e.name,
        e.retired,
        e.keyword,
    )
}

fn uid_tuple(e: &UidEntry) -> UidTuple {
    (e.name, e.kind, e.info, e.retired, e.keyword)
}

/// Dictionary entry of a tag as (vr, vm, name, retired, keyword), or None.
///
/// With `repeaters=False` only elements with a fixed tag are considered (no `60xx3000`).
#[pyfunction]
#[pyo3(signature = (tag, repeaters = true))]
fn dictionary_entry(tag: u32, repeaters: bool) -> Option<EntryTuple> {
    let tag = Tag::from_u32(tag);
    let e = if repeaters {
        dictionary::by_tag(tag)
    } else {
        dictionary::exact(tag)
    };
    e.map(entry_tuple)
}

/// Tag of a keyword (repeating groups give their canonical tag, e.g. 0x60003000), or None.
#[pyfunction]
fn tag_for_keyword(keyword: &str) -> Option<u32> {
    dictionary::by_keyword(keyword).map(|e| e.tag)
}

/// Entry of a keyword as (tag, mask, vr, vm, name, retired, keyword), or None.
///
/// Repeating groups have `mask != 0xFFFFFFFF` and `tag` with the `x` digits zero.
#[pyfunction]
fn keyword_entry(keyword: &str) -> Option<FullEntryTuple> {
    dictionary::by_keyword(keyword).map(full_entry_tuple)
}

/// Every dictionary entry as (tag, mask, vr, vm, name, retired, keyword), repeaters last.
#[pyfunction]
fn dictionary_entries() -> Vec<FullEntryTuple> {
    dictionary::entries()
        .iter()
        .chain(dictionary::repeaters())
        .map(|e| {
            (
                e.tag,
                e.mask,
                vr_text(e),
                e.vm,
                e.name,
                e.retired,
                e.keyword,
            )
        })
        .collect()
}

/// UID registry entry as (name, kind, info, retired, keyword), or None.
#[pyfunction]
fn uid_entry(uid: &str) -> Option<UidTuple> {
    dictionary::uid(uid).map(uid_tuple)
}

/// UID of a UID keyword (e.g. "CTImageStorage"), or None.
#[pyfunction]
fn uid_for_keyword(keyword: &str) -> Option<&'static str> {
    dictionary::uid_by_keyword(keyword).map(|e| e.uid)
}

/// The whole UID registry as (uid, name, kind, info, retired, keyword), sorted by UID.
#[pyfunction]
fn uid_entries() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
)> {
    dictionary::uids()
        .iter()
        .map(|e| (e.uid, e.name, e.kind, e.info, e.retired, e.keyword))
        .collect()
}

/// Private dictionary entry of a tag as (vr, vm, name, retired), or None.
///
/// `creator` is the private creator's value (trailing spaces/NULs ignored). As pydicom's
/// `get_private_entry`, tries the exact tag, then `ggggxxee`, then `ggxxxxee`.
#[pyfunction]
fn private_dictionary_entry(creator: &str, tag: u32) -> Option<PrivateTuple> {
    dictionary::private_entry(creator, Tag::from_u32(tag)).map(|e: &PrivateEntry| {
        let vr = e
            .vrs
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(" or ");
        (vr, e.vm, e.name, e.retired)
    })
}

/// Adds the dictionary functions to the `_core` module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dictionary_entry, m)?)?;
    m.add_function(wrap_pyfunction!(tag_for_keyword, m)?)?;
    m.add_function(wrap_pyfunction!(keyword_entry, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary_entries, m)?)?;
    m.add_function(wrap_pyfunction!(uid_entry, m)?)?;
    m.add_function(wrap_pyfunction!(uid_for_keyword, m)?)?;
    m.add_function(wrap_pyfunction!(uid_entries, m)?)?;
    m.add_function(wrap_pyfunction!(private_dictionary_entry, m)?)?;
    Ok(())
}
