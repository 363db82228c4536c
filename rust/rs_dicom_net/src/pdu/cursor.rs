//! A bounds-checked reader over a PDU body: every take is checked against what is left.

use crate::error::{NetResult, net_error};

/// Reads big-endian numbers and byte runs from a slice; `base` is the slice's offset in the
/// PDU, so that errors name the PDU byte.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    base: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8], base: usize) -> Self {
        Cursor { bytes, at: 0, base }
    }

    pub(crate) fn seek(&mut self, at: usize) {
        self.at = at.min(self.bytes.len());
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The offset in the PDU of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.at
    }

    pub(crate) fn take(&mut self, n: usize) -> NetResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(net_error(format!(
                "a field of {n} bytes at PDU byte {} runs past the end ({} bytes left)",
                self.offset(),
                self.remaining()
            )));
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    pub(crate) fn skip(&mut self, n: usize) -> NetResult<()> {
        self.take(n).map(drop)
    }

    pub(crate) fn u8(&mut self) -> NetResult<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> NetResult<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> NetResult<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A sub-cursor over the next `n` bytes.
    pub(crate) fn sub(&mut self, n: usize) -> NetResult<Cursor<'a>> {
        let base = self.offset();
        Ok(Cursor::new(self.take(n)?, base))
    }

    /// The rest of the bytes.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = &self.bytes[self.at..];
        self.at = self.bytes.len();
        s
    }
}

/// A UID or AE title from its bytes: trailing NUL and space padding removed.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches(['\0', ' '])
        .trim_start_matches(' ')
        .to_string()
}

/// Appends an item: type, reserved byte, 2-byte length, value.
pub(crate) fn put_item(out: &mut Vec<u8>, kind: u8, value: &[u8]) -> NetResult<()> {
    let len = u16::try_from(value.len()).map_err(|_| {
        net_error(format!(
            "item 0x{kind:02X} of {} bytes is too long",
            value.len()
        ))
    })?;
    out.push(kind);
    out.push(0);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

/// Appends a 2-byte length and the bytes.
pub(crate) fn put_u16_field(out: &mut Vec<u8>, value: &[u8]) -> NetResult<()> {
    let len = u16::try_from(value.len())
        .map_err(|_| net_error(format!("a field of {} bytes is too long", value.len())))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}
