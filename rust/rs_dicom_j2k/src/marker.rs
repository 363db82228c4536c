//! Marker codes (ISO/IEC 15444-1 Table A.2) and the big-endian reader of marker segments: the
//! crate's one place where codestream bytes become numbers.

use crate::Error;

pub(crate) const SOC: u16 = 0xFF4F;
pub(crate) const SIZ: u16 = 0xFF51;
pub(crate) const COD: u16 = 0xFF52;
pub(crate) const COC: u16 = 0xFF53;
pub(crate) const TLM: u16 = 0xFF55;
pub(crate) const PLM: u16 = 0xFF57;
pub(crate) const PLT: u16 = 0xFF58;
pub(crate) const QCD: u16 = 0xFF5C;
pub(crate) const QCC: u16 = 0xFF5D;
pub(crate) const RGN: u16 = 0xFF5E;
pub(crate) const POC: u16 = 0xFF5F;
pub(crate) const PPM: u16 = 0xFF60;
pub(crate) const PPT: u16 = 0xFF61;
pub(crate) const CRG: u16 = 0xFF63;
pub(crate) const COM: u16 = 0xFF64;
pub(crate) const CAP: u16 = 0xFF50;
pub(crate) const CPF: u16 = 0xFF59;
pub(crate) const SOT: u16 = 0xFF90;
pub(crate) const SOD: u16 = 0xFF93;
pub(crate) const EOC: u16 = 0xFFD9;

/// The big-endian `u16` at `pos`, if `data` holds it.
pub(crate) fn be_u16(data: &[u8], pos: usize) -> Option<u16> {
    let b = data.get(pos..pos.checked_add(2)?)?;
    Some(u16::from(b[0]) << 8 | u16::from(b[1]))
}

/// The big-endian `u32` at `pos`, if `data` holds it.
pub(crate) fn be_u32(data: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from(be_u16(data, pos)?) << 16 | u32::from(be_u16(data, pos.checked_add(2)?)?))
}

/// Big-endian reader over one marker segment's body.
pub(crate) struct Seg<'a> {
    pub(crate) data: &'a [u8],
    pos: usize,
    /// Codestream offset of `data[0]`, for messages.
    base: usize,
}

impl Seg<'_> {
    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        let v = *self
            .data
            .get(self.pos)
            .ok_or_else(|| Error::malformed_at(self.base + self.pos, "marker segment too short"))?;
        self.pos += 1;
        Ok(v)
    }
    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }
    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }
    pub(crate) fn finish(&self, what: &str) -> Result<(), Error> {
        if self.remaining() != 0 {
            return Err(Error::malformed_at(
                self.offset(),
                format!("{what} marker segment longer than its content"),
            ));
        }
        Ok(())
    }
}

/// Reads the marker at `pos` and its segment body (after Lxxx); returns the marker, the body
/// and the position after the segment.
pub(crate) fn marker_segment(data: &[u8], pos: usize) -> Result<(u16, Seg<'_>, usize), Error> {
    let marker =
        be_u16(data, pos).ok_or_else(|| Error::malformed_at(pos, "truncated before a marker"))?;
    if marker >> 8 != 0xFF {
        return Err(Error::malformed_at(
            pos,
            format!("expected a marker, found {marker:04X}"),
        ));
    }
    let len = be_u16(data, pos + 2)
        .ok_or_else(|| Error::malformed_at(pos + 2, "truncated marker segment length"))?;
    if len < 2 {
        return Err(Error::malformed_at(
            pos + 2,
            "marker segment length below 2",
        ));
    }
    let start = pos + 4;
    let end = pos + 2 + usize::from(len);
    let body = data.get(start..end).ok_or_else(|| {
        Error::malformed_at(pos, format!("marker {marker:04X} segment truncated"))
    })?;
    Ok((
        marker,
        Seg {
            data: body,
            pos: 0,
            base: start,
        },
        end,
    ))
}
