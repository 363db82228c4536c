//! DICOMDIR file-sets (PS3.10 8, PS3.3 F): the directory records of a DICOMDIR read into
//! the tree their offsets make, records built for the General Purpose profile (STD-GEN-CD)
//! from instances, File IDs checked against the standard's limits, and a DICOMDIR written
//! with its record offsets computed from the bytes the writer produces.
//!
//! ```
//! use rs_dicom::fileset::{FileId, Node, build_records, read_records, write_dicomdir};
//! # fn main() -> Result<(), rs_dicom::DicomError> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
//! # let dir = std::env::temp_dir().join(format!("rs_dicom_dicomdir_doc_{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).map_err(|e| rs_dicom::DicomError::io(&e, "temp"))?;
//! let instance = rs_dicom::parse_file(path)?;
//! let file_id = FileId::parse("IMAGES/CT1")?;
//! let records = build_records(&instance, Some(&instance.meta), &file_id)?;
//! // PATIENT, STUDY, SERIES and IMAGE: each record above the next.
//! let mut node = Node::new(records[3].clone());
//! for record in records[..3].iter().rev() {
//!     node = Node::with(record.clone(), vec![node]);
//! }
//! let tree = vec![node];
//! let bytes = write_dicomdir(&tree, &rs_dicom::fileset::FileSetInfo::new("DEMO"))?;
//! let read = rs_dicom::parse_bytes(bytes)?;
//! let records = read_records(&read.dataset)?;
//! assert_eq!(records.records.len(), 4);
//! assert_eq!(records.records[3].record_type, "IMAGE");
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

mod build;
mod file_id;
mod read;
mod write;

pub use build::{build_records, record_type_for};
pub use file_id::FileId;
pub use read::{Record, RecordTree, read_records};
pub use write::{FileSetInfo, Node, write_dicomdir};

use crate::core::Tag;

/// The SOP Class UID of a DICOMDIR (Media Storage Directory Storage).
pub const MEDIA_STORAGE_DIRECTORY_STORAGE: &str = "1.2.840.10008.1.3.10";

/// (0004,1130) File-set ID.
pub const FILE_SET_ID: Tag = Tag(0x0004, 0x1130);
/// (0004,1141) File-set Descriptor File ID.
pub const DESCRIPTOR_FILE_ID: Tag = Tag(0x0004, 0x1141);
/// (0004,1142) Specific Character Set of File-set Descriptor File.
pub const DESCRIPTOR_CHARSET: Tag = Tag(0x0004, 0x1142);
/// (0004,1200) Offset of the First Directory Record of the Root Directory Entity.
pub const FIRST_ROOT_RECORD: Tag = Tag(0x0004, 0x1200);
/// (0004,1202) Offset of the Last Directory Record of the Root Directory Entity.
pub const LAST_ROOT_RECORD: Tag = Tag(0x0004, 0x1202);
/// (0004,1212) File-set Consistency Flag.
pub const CONSISTENCY_FLAG: Tag = Tag(0x0004, 0x1212);
/// (0004,1220) Directory Record Sequence.
pub const DIRECTORY_RECORD_SEQUENCE: Tag = Tag(0x0004, 0x1220);
/// (0004,1400) Offset of the Next Directory Record.
pub const NEXT_RECORD: Tag = Tag(0x0004, 0x1400);
/// (0004,1410) Record In-use Flag (retired; DCMTK still writes it).
pub const IN_USE_FLAG: Tag = Tag(0x0004, 0x1410);
/// (0004,1420) Offset of Referenced Lower-Level Directory Entity.
pub const LOWER_LEVEL: Tag = Tag(0x0004, 0x1420);
/// (0004,1430) Directory Record Type.
pub const RECORD_TYPE: Tag = Tag(0x0004, 0x1430);
/// (0004,1500) Referenced File ID.
pub const REFERENCED_FILE_ID: Tag = Tag(0x0004, 0x1500);
/// (0004,1510) Referenced SOP Class UID in File.
pub const REFERENCED_SOP_CLASS: Tag = Tag(0x0004, 0x1510);
/// (0004,1511) Referenced SOP Instance UID in File.
pub const REFERENCED_SOP_INSTANCE: Tag = Tag(0x0004, 0x1511);
/// (0004,1512) Referenced Transfer Syntax UID in File.
pub const REFERENCED_TRANSFER_SYNTAX: Tag = Tag(0x0004, 0x1512);

#[cfg(test)]
mod tests;
