//! Writing a DICOMDIR: the records in depth-first order in one Directory Record Sequence,
//! the offsets (from the file's first byte) filled in from where the writer put each item.
//!
//! The bytes are written twice: once with every offset 0, read back to learn where each
//! record item starts, and once with the offsets set. An offset is a UL of fixed size, so
//! setting it moves nothing; the reader, not a second size computation, says where items are.

use super::{
    CONSISTENCY_FLAG, DESCRIPTOR_CHARSET, DESCRIPTOR_FILE_ID, DIRECTORY_RECORD_SEQUENCE,
    FILE_SET_ID, FIRST_ROOT_RECORD, FileId, LAST_ROOT_RECORD, LOWER_LEVEL,
    MEDIA_STORAGE_DIRECTORY_STORAGE, NEXT_RECORD,
};
use crate::core::{Dataset, Element, SharedDataset, Tag, TransferSyntax, VR};
use crate::error::{DicomError, ErrorKind, Result};
use crate::parser::parse_bytes;
use crate::writer::{FileParts, Lengths, WriteOptions, prepare_meta, write_file};

/// A directory record and the records of the level below it.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The record's elements (its offsets are set on writing).
    pub record: Dataset,
    /// The lower-level records, in the order they are written.
    pub children: Vec<Node>,
}

impl Node {
    /// A record with no lower level.
    pub fn new(record: Dataset) -> Node {
        Node::with(record, Vec::new())
    }

    /// A record and its lower level.
    pub fn with(record: Dataset, children: Vec<Node>) -> Node {
        Node { record, children }
    }
}

/// What a DICOMDIR says of its file-set besides the records.
#[derive(Debug, Clone)]
pub struct FileSetInfo {
    /// File-set ID (CS, up to 16 characters; may be empty).
    pub file_set_id: String,
    /// The Media Storage SOP Instance UID of the DICOMDIR (the file-set's UID).
    pub sop_instance_uid: String,
    /// File-set Descriptor File ID.
    pub descriptor_file_id: Option<FileId>,
    /// Specific Character Set of the File-set Descriptor File.
    pub descriptor_charset: Option<String>,
    /// Write in Implicit VR Little Endian instead of Explicit VR Little Endian.
    pub implicit_vr: bool,
}

impl FileSetInfo {
    /// A file-set with this ID and a placeholder UID (callers set a unique one).
    pub fn new(file_set_id: &str) -> FileSetInfo {
        FileSetInfo {
            file_set_id: file_set_id.to_string(),
            sop_instance_uid: "2.25.0".to_string(),
            descriptor_file_id: None,
            descriptor_charset: None,
            implicit_vr: false,
        }
    }
}

/// A record laid out in the sequence: its item, and the items its offsets point at.
struct Placed {
    item: SharedDataset,
    next: Option<usize>,
    lower: Option<usize>,
}

fn padded(text: &str, pad: u8) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(pad);
    }
    b
}

/// Sets a UL in the byte order of `ds` (a record read from a big endian DICOMDIR keeps it).
fn set_ul(ds: &mut Dataset, tag: Tag, value: u32) {
    let mut b = Vec::with_capacity(4);
    ds.byte_order().write(value, &mut b);
    ds.insert(Element::new(tag, VR::UL, b));
}

/// Lays the records out depth-first (each record, then its lower levels, then the next
/// record of its level), without recursion: file-sets can be deep only by mistake.
fn place(tree: &[Node]) -> Vec<Placed> {
    let mut placed: Vec<Placed> = Vec::new();
    // (records of one level still to place, the record above them, the one placed before)
    let mut stack: Vec<(&[Node], Option<usize>, Option<usize>)> = vec![(tree, None, None)];
    while let Some((level, parent, previous)) = stack.pop() {
        let Some((first, rest)) = level.split_first() else {
            continue;
        };
        let index = placed.len();
        let mut record = first.record.clone();
        set_ul(&mut record, NEXT_RECORD, 0);
        set_ul(&mut record, LOWER_LEVEL, 0);
        placed.push(Placed {
            item: SharedDataset::new(record),
            next: None,
            lower: None,
        });
        match (previous, parent) {
            (Some(p), _) => placed[p].next = Some(index),
            (None, Some(p)) => placed[p].lower = Some(index),
            (None, None) => {}
        }
        stack.push((rest, parent, Some(index)));
        stack.push((&first.children, Some(index), None));
    }
    placed
}

fn dataset(placed: &[Placed], info: &FileSetInfo, offsets: Option<&[u32]>) -> Result<Dataset> {
    let at = |i: Option<usize>| match (offsets, i) {
        (Some(o), Some(i)) => o.get(i).copied().unwrap_or(0),
        _ => 0,
    };
    let mut ds = Dataset::new();
    let id = info.file_set_id.trim_end();
    if id.len() > 16 {
        return Err(DicomError::invalid_value(
            FILE_SET_ID.to_string(),
            format!(
                "a File-set ID has at most 16 characters, {id:?} has {}",
                id.len()
            ),
        ));
    }
    ds.insert(Element::new(FILE_SET_ID, VR::CS, padded(id, b' ')));
    if let Some(f) = &info.descriptor_file_id {
        ds.insert(Element::new(DESCRIPTOR_FILE_ID, VR::CS, f.value_bytes()));
        if let Some(c) = &info.descriptor_charset {
            ds.insert(Element::new(DESCRIPTOR_CHARSET, VR::CS, padded(c, b' ')));
        }
    }
    // The root level is the chain that starts with the first record.
    let mut last_root = (!placed.is_empty()).then_some(0);
    while let Some(next) = last_root.and_then(|i| placed[i].next) {
        last_root = Some(next);
    }
    set_ul(&mut ds, FIRST_ROOT_RECORD, at(last_root.and(Some(0))));
    set_ul(&mut ds, LAST_ROOT_RECORD, at(last_root));
    ds.insert(Element::new(CONSISTENCY_FLAG, VR::US, vec![0, 0]));
    let mut items = Vec::with_capacity(placed.len());
    for p in placed {
        {
            let mut r = p.item.write();
            set_ul(&mut r, NEXT_RECORD, at(p.next));
            set_ul(&mut r, LOWER_LEVEL, at(p.lower));
        }
        items.push(p.item.clone());
    }
    ds.insert(Element::sequence(DIRECTORY_RECORD_SEQUENCE, items));
    Ok(ds)
}

fn serialize(ds: &Dataset, info: &FileSetInfo) -> Result<Vec<u8>> {
    let ts = if info.implicit_vr {
        TransferSyntax::IMPLICIT_VR_LE
    } else {
        TransferSyntax::EXPLICIT_VR_LE
    };
    let mut meta = Dataset::new();
    meta.insert(Element::new(
        Tag(0x0002, 0x0002),
        VR::UI,
        padded(MEDIA_STORAGE_DIRECTORY_STORAGE, 0),
    ));
    meta.insert(Element::new(
        Tag(0x0002, 0x0003),
        VR::UI,
        padded(&info.sop_instance_uid, 0),
    ));
    let meta = prepare_meta(Some(&meta), ds, ts, true)?;
    let opts = WriteOptions {
        transfer_syntax: ts,
        lengths: Lengths::Defined,
    };
    let preamble = [0u8; 128];
    let parts = FileParts {
        preamble: Some(&preamble),
        meta: meta.as_ref(),
        dataset: ds,
    };
    write_file(Vec::new(), parts, &opts)
}

/// Where each record item starts in `bytes`, read back by the parser.
fn item_offsets(bytes: Vec<u8>, count: usize) -> Result<Vec<u32>> {
    let file = parse_bytes(bytes)?;
    let items = file
        .dataset
        .get(DIRECTORY_RECORD_SEQUENCE)
        .and_then(Element::items)
        .unwrap_or_default();
    let offsets: Vec<u32> = items
        .iter()
        .filter_map(|i| i.read().offset().checked_sub(8))
        .filter_map(|o| u32::try_from(o).ok())
        .collect();
    if offsets.len() != count {
        return Err(DicomError::new(
            ErrorKind::Write,
            None,
            DIRECTORY_RECORD_SEQUENCE.to_string(),
            "the DICOMDIR is too large: record offsets must fit 32 bits",
        ));
    }
    Ok(offsets)
}

/// The bytes of a DICOMDIR (Part 10 file) holding `tree`.
pub fn write_dicomdir(tree: &[Node], info: &FileSetInfo) -> Result<Vec<u8>> {
    let placed = place(tree);
    let draft = serialize(&dataset(&placed, info, None)?, info)?;
    let len = draft.len();
    let offsets = item_offsets(draft, placed.len())?;
    let bytes = serialize(&dataset(&placed, info, Some(&offsets))?, info)?;
    if bytes.len() != len {
        return Err(DicomError::new(
            ErrorKind::Write,
            None,
            DIRECTORY_RECORD_SEQUENCE.to_string(),
            "the DICOMDIR changed size when its offsets were set",
        ));
    }
    Ok(bytes)
}
