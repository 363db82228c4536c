//! The element writer: the one place where structure becomes bytes, the mirror of the
//! element reader. Headers in implicit or explicit VR, either byte order; values copied from
//! their source, swapped when the byte order changes.

use std::io::Write;

use crate::core::{ByteOrder, Encoding, Tag, VR};
use crate::error::{DicomError, ErrorKind, Result};

/// The undefined length.
pub(crate) const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Writes element headers, item headers, delimiters and values to any `Write`.
pub struct ElementWriter<W: Write> {
    out: W,
    enc: Encoding,
    written: u64,
}

/// Bytes of an element header in `enc` for `vr`.
pub const fn header_len(enc: Encoding, vr: VR) -> u64 {
    if !enc.explicit_vr {
        8
    } else if vr.has_long_length() {
        12
    } else {
        8
    }
}

/// An encoded header, on the stack: no allocation per element.
pub(super) struct Header {
    bytes: [u8; 12],
    len: usize,
}

impl Header {
    fn new() -> Header {
        Header {
            bytes: [0; 12],
            len: 0,
        }
    }

    fn push(&mut self, b: &[u8]) {
        self.bytes[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    fn u16(&mut self, order: ByteOrder, v: u16) {
        match order {
            ByteOrder::Little => self.push(&v.to_le_bytes()),
            ByteOrder::Big => self.push(&v.to_be_bytes()),
        }
    }

    fn u32(&mut self, order: ByteOrder, v: u32) {
        match order {
            ByteOrder::Little => self.push(&v.to_le_bytes()),
            ByteOrder::Big => self.push(&v.to_be_bytes()),
        }
    }

    /// The encoded bytes.
    pub(super) fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The header of an element in `enc`; `length` is `UNDEFINED` for sequences and encapsulated
/// data of undefined length. A length a 16-bit field cannot hold is an error naming the tag.
pub(super) fn encode_header(enc: Encoding, tag: Tag, vr: VR, length: u32) -> Result<Header> {
    let order = enc.byte_order();
    let mut h = Header::new();
    h.u16(order, tag.0);
    h.u16(order, tag.1);
    if !enc.explicit_vr {
        h.u32(order, length);
        return Ok(h);
    }
    h.push(vr.as_str().as_bytes());
    if vr.has_long_length() {
        h.push(&[0, 0]);
        h.u32(order, length);
        return Ok(h);
    }
    let short = u16::try_from(length).map_err(|_| {
        DicomError::new(
            ErrorKind::Write,
            None,
            tag.to_string(),
            format!(
                "a {vr} value of {length} bytes does not fit the 16-bit length field of \
                 explicit VR (at most 65,534 bytes): write it in implicit VR, or as UN"
            ),
        )
    })?;
    h.u16(order, short);
    Ok(h)
}

impl<W: Write> ElementWriter<W> {
    /// A writer of `enc`-encoded structure into `out`.
    pub fn new(out: W, enc: Encoding) -> Self {
        ElementWriter {
            out,
            enc,
            written: 0,
        }
    }

    /// The encoding written.
    pub fn encoding(&self) -> Encoding {
        self.enc
    }

    /// Changes the encoding of what follows (the file meta group is always explicit VR
    /// little endian; UN sequences' items are implicit VR little endian).
    pub fn set_encoding(&mut self, enc: Encoding) {
        self.enc = enc;
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Gives the inner writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes raw bytes.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| DicomError::io(&e, "cannot write"))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn order(&self) -> ByteOrder {
        self.enc.byte_order()
    }

    /// An element header; `length` is `UNDEFINED` for sequences and encapsulated data of
    /// undefined length. A length a 16-bit field cannot hold is an error naming the tag.
    pub fn header(&mut self, tag: Tag, vr: VR, length: u32) -> Result<()> {
        let h = encode_header(self.enc, tag, vr, length)?;
        self.raw(h.as_slice())
    }

    fn tag_and_length(&mut self, tag: Tag, length: u32) -> Result<()> {
        let order = self.order();
        let mut h = Header::new();
        h.u16(order, tag.0);
        h.u16(order, tag.1);
        h.u32(order, length);
        self.raw(h.as_slice())
    }

    /// An item header (FFFE,E000) with its length (`UNDEFINED` for an undefined length).
    pub fn item(&mut self, length: u32) -> Result<()> {
        self.tag_and_length(Tag::ITEM, length)
    }

    /// The item delimiter (FFFE,E00D).
    pub fn item_end(&mut self) -> Result<()> {
        self.tag_and_length(Tag::ITEM_DELIMITER, 0)
    }

    /// The sequence delimiter (FFFE,E0DD).
    pub fn sequence_end(&mut self) -> Result<()> {
        self.tag_and_length(Tag::SEQUENCE_DELIMITER, 0)
    }

    /// A number in this writer's byte order (a group length's value).
    pub fn number(&mut self, v: u32) -> Result<()> {
        let mut h = Header::new();
        h.u32(self.order(), v);
        self.raw(h.as_slice())
    }

    /// A value encoded in `from`, written in this writer's byte order: numbers of the VR
    /// are swapped when the orders differ, everything else is copied.
    pub fn value(&mut self, vr: VR, bytes: &[u8], from: ByteOrder) -> Result<()> {
        let word = swap_size(vr);
        if from == self.order() || word <= 1 {
            return self.raw(bytes);
        }
        let mut swapped = bytes.to_vec();
        for c in swapped.chunks_exact_mut(word) {
            c.reverse();
        }
        self.raw(&swapped)
    }
}

/// The size of the numbers a value of `vr` is made of, for byte swapping (1: bytes or text).
pub const fn swap_size(vr: VR) -> usize {
    match vr {
        // AT is a pair of 16-bit numbers.
        VR::US | VR::SS | VR::OW | VR::AT => 2,
        VR::UL | VR::SL | VR::FL | VR::OF | VR::OL => 4,
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_every_encoding() {
        let mut w = ElementWriter::new(Vec::new(), Encoding::EXPLICIT_LE);
        w.header(Tag(0x0010, 0x0010), VR::PN, 4).unwrap();
        w.header(Tag(0x7FE0, 0x0010), VR::OB, UNDEFINED).unwrap();
        assert_eq!(
            w.into_inner(),
            [
                0x10, 0, 0x10, 0, b'P', b'N', 4, 0, 0xE0, 0x7F, 0x10, 0, b'O', b'B', 0, 0, 0xFF,
                0xFF, 0xFF, 0xFF
            ]
        );
        let mut w = ElementWriter::new(Vec::new(), Encoding::IMPLICIT_LE);
        w.header(Tag(0x0010, 0x0010), VR::PN, 4).unwrap();
        assert_eq!(w.into_inner(), [0x10, 0, 0x10, 0, 4, 0, 0, 0]);
        let mut w = ElementWriter::new(Vec::new(), Encoding::EXPLICIT_BE);
        w.header(Tag(0x0028, 0x0010), VR::US, 2).unwrap();
        w.value(VR::US, &[0x00, 0x02], ByteOrder::Little).unwrap();
        assert_eq!(
            w.into_inner(),
            [0, 0x28, 0, 0x10, b'U', b'S', 0, 2, 0x02, 0x00]
        );
    }

    #[test]
    fn a_short_length_field_refuses_long_values() {
        let mut w = ElementWriter::new(Vec::new(), Encoding::EXPLICIT_LE);
        let err = w.header(Tag(0x0010, 0x4000), VR::LT, 70_000).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Write);
        assert_eq!(err.path, "(0010,4000)");
        let mut w = ElementWriter::new(Vec::new(), Encoding::IMPLICIT_LE);
        assert!(w.header(Tag(0x0010, 0x4000), VR::LT, 70_000).is_ok());
    }
}
