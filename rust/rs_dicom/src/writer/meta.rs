//! The file meta information group of a file to write (PS3.10 7.1): its Transfer Syntax UID
//! set to what the dataset is written in, and with `enforce`, every required element filled
//! from the dataset (pydicom's `enforce_file_format=True`).

use crate::core::{Dataset, Element, Tag, TransferSyntax, VR};
use crate::error::{DicomError, ErrorKind, Result};

/// This implementation's class UID (a `2.25.` UUID-derived UID, fixed for rs_dicom).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.246390157614418722357404932466549416305";
/// This implementation's version name (at most 16 characters).
pub const IMPLEMENTATION_VERSION_NAME: &str = concat!("RS_DICOM_", env!("CARGO_PKG_VERSION"));

const META_VERSION: Tag = Tag(0x0002, 0x0001);
const MEDIA_SOP_CLASS: Tag = Tag(0x0002, 0x0002);
const MEDIA_SOP_INSTANCE: Tag = Tag(0x0002, 0x0003);
const IMPLEMENTATION_CLASS: Tag = Tag(0x0002, 0x0012);
const IMPLEMENTATION_VERSION: Tag = Tag(0x0002, 0x0013);
const GROUP_LENGTH: Tag = Tag(0x0002, 0x0000);
const SOP_CLASS: Tag = Tag(0x0008, 0x0016);
const SOP_INSTANCE: Tag = Tag(0x0008, 0x0018);

fn uid_bytes(uid: &str) -> Vec<u8> {
    let mut b = uid.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(0);
    }
    b
}

fn text_bytes(s: &str) -> Vec<u8> {
    let mut b = s.as_bytes().to_vec();
    if b.len() % 2 == 1 {
        b.push(b' ');
    }
    b
}

/// The meta group to write with `ds` in `ts`: `meta` (or a new one) with its Transfer Syntax
/// UID set, and with `enforce` the required elements added from the dataset; `None` when
/// there is no meta and `enforce` is off (a bare dataset is written, as pydicom does).
pub fn prepare_meta(
    meta: Option<&Dataset>,
    ds: &Dataset,
    ts: &TransferSyntax,
    enforce: bool,
) -> Result<Option<Dataset>> {
    if meta.is_none_or(Dataset::is_empty) && !enforce {
        return Ok(None);
    }
    let mut m = meta.cloned().unwrap_or_default();
    let set = |m: &mut Dataset, tag: Tag, vr: VR, bytes: Vec<u8>| {
        if m.raw(tag) != Some(&bytes[..]) {
            m.insert(Element::new(tag, vr, bytes));
        }
    };
    if ts.is_unknown() {
        // An unregistered syntax in the DICOM root has no UID of its own in the registry: the
        // file keeps the one its meta names, and without one there is nothing true to write.
        let named = m
            .raw(Tag::TRANSFER_SYNTAX_UID)
            .map(|b| crate::core::trim_uid(&String::from_utf8_lossy(b)).to_string())
            .filter(|u| !u.is_empty());
        if named.is_none() {
            return Err(DicomError::new(
                ErrorKind::Write,
                None,
                Tag::TRANSFER_SYNTAX_UID.to_string(),
                "the dataset is in an unregistered transfer syntax and its file meta names no \
                 Transfer Syntax UID to write it with",
            ));
        }
    } else {
        set(&mut m, Tag::TRANSFER_SYNTAX_UID, VR::UI, uid_bytes(ts.uid));
    }
    if enforce {
        let required = |tag: Tag, name: &str| {
            ds.raw(tag).map(<[u8]>::to_vec).ok_or_else(|| {
                DicomError::new(
                    ErrorKind::Write,
                    None,
                    tag.to_string(),
                    format!(
                        "the dataset has no {name} {tag}: a DICOM file needs it for its file \
                         meta information (enforce_file_format=True)"
                    ),
                )
            })
        };
        if !m.contains(MEDIA_SOP_CLASS) {
            let v = required(SOP_CLASS, "SOP Class UID")?;
            m.insert(Element::new(MEDIA_SOP_CLASS, VR::UI, v));
        }
        if !m.contains(MEDIA_SOP_INSTANCE) {
            let v = required(SOP_INSTANCE, "SOP Instance UID")?;
            m.insert(Element::new(MEDIA_SOP_INSTANCE, VR::UI, v));
        }
        if !m.contains(META_VERSION) {
            m.insert(Element::new(META_VERSION, VR::OB, vec![0u8, 1]));
        }
        if !m.contains(IMPLEMENTATION_CLASS) {
            set(
                &mut m,
                IMPLEMENTATION_CLASS,
                VR::UI,
                uid_bytes(IMPLEMENTATION_CLASS_UID),
            );
            set(
                &mut m,
                IMPLEMENTATION_VERSION,
                VR::SH,
                text_bytes(IMPLEMENTATION_VERSION_NAME),
            );
        }
        if !m.contains(GROUP_LENGTH) {
            // The writer fills in its value.
            m.insert(Element::new(GROUP_LENGTH, VR::UL, vec![0u8; 4]));
        }
    }
    Ok(Some(m))
}

/// The transfer syntax to write in, from pydicom's `implicit_vr` / `little_endian` arguments.
pub fn encoding_syntax(implicit_vr: bool, little_endian: bool) -> Result<&'static TransferSyntax> {
    match (implicit_vr, little_endian) {
        (true, true) => Ok(TransferSyntax::IMPLICIT_VR_LE),
        (false, true) => Ok(TransferSyntax::EXPLICIT_VR_LE),
        (false, false) => Ok(TransferSyntax::EXPLICIT_VR_BE),
        (true, false) => Err(DicomError::new(
            ErrorKind::Write,
            None,
            "(0002,0010)",
            "implicit VR big endian is not a standard transfer syntax",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforce_fills_the_meta_from_the_dataset() {
        let mut ds = Dataset::new();
        ds.set_bytes(SOP_CLASS, VR::UI, uid_bytes("1.2.840.10008.5.1.4.1.1.2"));
        ds.set_bytes(SOP_INSTANCE, VR::UI, uid_bytes("1.2.3"));
        let m = prepare_meta(None, &ds, TransferSyntax::EXPLICIT_VR_LE, true)
            .unwrap()
            .unwrap();
        assert_eq!(m.raw(MEDIA_SOP_INSTANCE), Some(&b"1.2.3\0"[..]));
        assert_eq!(
            m.raw(Tag::TRANSFER_SYNTAX_UID),
            Some(&b"1.2.840.10008.1.2.1\0"[..])
        );
        assert!(m.contains(IMPLEMENTATION_CLASS) && m.contains(GROUP_LENGTH));
        assert!(IMPLEMENTATION_VERSION_NAME.len() <= 16);
        assert!(
            prepare_meta(None, &ds, TransferSyntax::EXPLICIT_VR_LE, false)
                .unwrap()
                .is_none()
        );
        let err =
            prepare_meta(None, &Dataset::new(), TransferSyntax::EXPLICIT_VR_LE, true).unwrap_err();
        assert_eq!(err.path, "(0008,0016)");
    }

    #[test]
    fn an_unregistered_syntax_keeps_the_uid_its_meta_names() {
        let unknown = TransferSyntax::from_uid("1.2.840.10008.1.2.4.999").unwrap();
        assert!(unknown.is_unknown());
        let mut ds = Dataset::new();
        ds.set_bytes(SOP_CLASS, VR::UI, uid_bytes("1.2.840.10008.5.1.4.1.1.2"));
        ds.set_bytes(SOP_INSTANCE, VR::UI, uid_bytes("1.2.3"));
        let mut meta = Dataset::new();
        meta.set_bytes(
            Tag::TRANSFER_SYNTAX_UID,
            VR::UI,
            uid_bytes("1.2.840.10008.1.2.4.999"),
        );
        for enforce in [true, false] {
            let m = prepare_meta(Some(&meta), &ds, unknown, enforce)
                .unwrap()
                .unwrap();
            assert_eq!(
                m.raw(Tag::TRANSFER_SYNTAX_UID),
                Some(&b"1.2.840.10008.1.2.4.999\0"[..])
            );
        }
        let err = prepare_meta(None, &ds, unknown, true).unwrap_err();
        assert_eq!(err.path, "(0002,0010)");
    }
}
