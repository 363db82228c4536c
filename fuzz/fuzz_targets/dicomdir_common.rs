//! The DICOMDIR round trip, shared by the `dicomdir` fuzz target and the core's test over
//! mutated DICOMDIRs (`rust/rs_dicom/tests/fuzz_dicomdir.rs` includes this file).
//!
//! The input is parsed leniently (`force`). When its record tree reads, the tree is written
//! again with `write_dicomdir`, which must succeed or fail with an error naming a tag; what
//! is written must parse, read back to a tree of the same shape (record types and parents,
//! in the same order), and written again give the same bytes.

use std::sync::Arc;

use rs_dicom::core::Source;
use rs_dicom::fileset::{FileSetInfo, Node, RecordTree, read_records, write_dicomdir};
use rs_dicom::parser::{ReadOptions, parse_source};

/// The tree as nodes to write, built from the last record back so that each node is
/// complete when its parent takes it.
fn nodes(tree: &RecordTree) -> Vec<Node> {
    let mut below: Vec<Vec<Node>> = tree.records.iter().map(|_| Vec::new()).collect();
    let mut roots = Vec::new();
    for (i, r) in tree.records.iter().enumerate().rev() {
        let mut children = std::mem::take(&mut below[i]);
        children.reverse();
        let node = Node::with(r.dataset.read().clone(), children);
        match r.parent {
            Some(p) => below[p].push(node),
            None => roots.push(node),
        }
    }
    roots.reverse();
    roots
}

fn shape(tree: &RecordTree) -> Vec<(String, Option<usize>)> {
    tree.records
        .iter()
        .map(|r| (r.record_type.clone(), r.parent))
        .collect()
}

fn read(bytes: Vec<u8>, force: bool) -> Option<RecordTree> {
    let opts = ReadOptions {
        force,
        ..ReadOptions::default()
    };
    let file = parse_source(Arc::new(Source::Owned(bytes)), opts).ok()?;
    read_records(&file.dataset).ok()
}

/// Runs the round trip on one input.
pub fn run(data: &[u8]) {
    let Some(tree) = read(data.to_vec(), true) else {
        return;
    };
    let info = FileSetInfo::new("FUZZ");
    let bytes = match write_dicomdir(&nodes(&tree), &info) {
        Ok(b) => b,
        Err(e) => {
            assert!(!e.path.is_empty(), "a write error names a tag: {e}");
            return;
        }
    };
    let again = read(bytes.clone(), false).expect("a written DICOMDIR reads back");
    assert_eq!(shape(&tree), shape(&again), "the tree keeps its shape");
    let twice = write_dicomdir(&nodes(&again), &info).expect("what was written writes again");
    assert!(bytes == twice, "a second write gives the same bytes");
}
