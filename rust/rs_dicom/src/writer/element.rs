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

    fn tag(&mut self, tag: Tag) -> Result<()> {
        let mut b = Vec::with_capacity(4);
        self.order().write(tag.0, &mut b);
        self.order().write(tag.1, &mut b);
        self.raw(&b)
    }

    fn u32(&mut self, v: u32) -> Result<()> {
        let mut b = Vec::with_capacity(4);
        self.order().write(v, &mut b);
        self.raw(&b)
    }

    /// An element header; `length` is `UNDEFINED` for sequences and encapsulated data of
    /// undefined length. A length a 16-bit field cannot hold is an error naming the tag.
    pub fn header(&mut self, tag: Tag, vr: VR, length: u32) -> Result<()> {
        self.tag(tag)?;
        if !self.enc.explicit_vr {
            return self.u32(length);
        }
        self.raw(vr.as_str().as_bytes())?;
        if vr.has_long_length() {
            self.raw(&[0, 0])?;
            return self.u32(length);
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
        let mut b = Vec::with_capacity(2);
        self.order().write(short, &mut b);
        self.raw(&b)
    }

    /// An item header (FFFE,E000) with its length (`UNDEFINED` for an undefined length).
    pub fn item(&mut self, length: u32) -> Result<()> {
        self.tag(Tag::ITEM)?;
        self.u32(length)
    }

    /// The item delimiter (FFFE,E00D).
    pub fn item_end(&mut self) -> Result<()> {
        self.tag(Tag::ITEM_DELIMITER)?;
        self.u32(0)
    }

    /// The sequence delimiter (FFFE,E0DD).
    pub fn sequence_end(&mut self) -> Result<()> {
        self.tag(Tag::SEQUENCE_DELIMITER)?;
        self.u32(0)
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
