//! The directory records of a DICOMDIR and the tree their offsets make (PS3.3 F.3.2.1): the
//! root entity's first record, then for each record the next one at its level and the first
//! of the level below. Offsets count from the first byte of the file (the preamble).

use std::collections::HashMap;

use super::{DIRECTORY_RECORD_SEQUENCE, FIRST_ROOT_RECORD, LOWER_LEVEL, NEXT_RECORD, RECORD_TYPE};
use crate::core::{Dataset, SharedDataset, Tag};
use crate::error::{DicomError, ErrorKind, Result};
use crate::value::text_values;

/// One directory record.
#[derive(Debug, Clone)]
pub struct Record {
    /// Byte offset of the record's item tag in the file (what the offsets point at).
    pub offset: usize,
    /// Position of the record's item in the Directory Record Sequence.
    pub item: usize,
    /// Directory Record Type, e.g. `PATIENT`, `IMAGE`.
    pub record_type: String,
    /// The record's item (shared with the DICOMDIR dataset).
    pub dataset: SharedDataset,
    /// Index (in [`RecordTree::records`]) of the record one level up.
    pub parent: Option<usize>,
    /// Indices of the records of the level below, in offset-chain order.
    pub children: Vec<usize>,
}

/// The records of a DICOMDIR in depth-first order (each record before its lower levels).
#[derive(Debug, Clone, Default)]
pub struct RecordTree {
    /// The records reached from the root entity, parents before children.
    pub records: Vec<Record>,
    /// Indices of the root entity's records.
    pub roots: Vec<usize>,
    /// Items of the sequence no offset chain reaches (pydicom ignores them too).
    pub unreached: Vec<usize>,
}

fn path(item: usize, tag: Tag) -> String {
    format!("{DIRECTORY_RECORD_SEQUENCE}[{item}].{tag}")
}

/// An offset value (UL) of `ds`; 0 when absent or empty (no record).
fn offset_value(ds: &Dataset, tag: Tag, at: &str) -> Result<usize> {
    let Some(e) = ds.get(tag) else { return Ok(0) };
    let b = ds.bytes_of(e);
    if b.is_empty() {
        return Ok(0);
    }
    let value: Option<u32> = if b.len() == 4 {
        ds.byte_order().read(b, 0)
    } else {
        None
    };
    value.map(|v| v as usize).ok_or_else(|| {
        DicomError::malformed(
            e.offset,
            at,
            format!(
                "an offset must be one UL value (4 bytes), not {} bytes",
                b.len()
            ),
        )
    })
}

/// Reads the record tree of a DICOMDIR dataset read from a file.
///
/// Errors name the record whose offset points at no record, or that closes a loop.
pub fn read_records(ds: &Dataset) -> Result<RecordTree> {
    let Some(seq) = ds.get(DIRECTORY_RECORD_SEQUENCE) else {
        return Err(DicomError::new(
            ErrorKind::InvalidValue,
            None,
            DIRECTORY_RECORD_SEQUENCE.to_string(),
            "not a DICOMDIR: no Directory Record Sequence (0004,1220)",
        ));
    };
    let items = seq.items().unwrap_or_default();
    let mut by_offset = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let d = item.read();
        // A record's offset is that of its item tag, 8 bytes before its first element.
        let start = d
            .offset()
            .checked_sub(8)
            .filter(|_| d.item_length().is_some());
        let Some(start) = start else {
            return Err(DicomError::new(
                ErrorKind::InvalidValue,
                None,
                format!("{DIRECTORY_RECORD_SEQUENCE}[{i}]"),
                "a directory record made in memory has no offset: write the file-set first",
            ));
        };
        by_offset.insert(start, i);
    }
    let root = offset_value(ds, FIRST_ROOT_RECORD, &FIRST_ROOT_RECORD.to_string())?;
    let mut tree = RecordTree::default();
    let mut visited = vec![false; items.len()];
    // (offset to visit, parent, where the offset was read): lower levels are pushed last so
    // that they are visited before the next record of the same level.
    let mut stack = vec![(root, None::<usize>, FIRST_ROOT_RECORD.to_string())];
    while let Some((offset, parent, from)) = stack.pop() {
        if offset == 0 {
            continue;
        }
        let Some(&i) = by_offset.get(&offset) else {
            return Err(DicomError::new(
                ErrorKind::Malformed,
                Some(offset as u64),
                from,
                format!("the offset {offset} points at no directory record"),
            ));
        };
        if visited[i] {
            return Err(DicomError::new(
                ErrorKind::Malformed,
                Some(offset as u64),
                from,
                format!("the directory record at offset {offset} is reached twice (a loop)"),
            ));
        }
        visited[i] = true;
        let item = &items[i];
        let (next, lower, record_type) = {
            let d = item.read();
            let next = offset_value(&d, NEXT_RECORD, &path(i, NEXT_RECORD))?;
            let lower = offset_value(&d, LOWER_LEVEL, &path(i, LOWER_LEVEL))?;
            let record_type = d
                .get(RECORD_TYPE)
                .and_then(|e| text_values(&d, e).into_iter().next())
                .unwrap_or_default();
            (next, lower, record_type)
        };
        let index = tree.records.len();
        tree.records.push(Record {
            offset,
            item: i,
            record_type,
            dataset: item.clone(),
            parent,
            children: Vec::new(),
        });
        match parent {
            Some(p) => tree.records[p].children.push(index),
            None => tree.roots.push(index),
        }
        stack.push((next, parent, path(i, NEXT_RECORD)));
        stack.push((lower, Some(index), path(i, LOWER_LEVEL)));
    }
    tree.unreached = (0..items.len()).filter(|&i| !visited[i]).collect();
    Ok(tree)
}
