//! PS3.8 9.3 protocol data units: parsed from and written to bytes.
//!
//! Every length in a PDU is a claim: the parser checks it against the bytes it has before it
//! takes anything, and never allocates more than the PDU it was given. Reading a PDU from a
//! stream bounds its length first ([`read_pdu`]), so a peer cannot make us allocate more than
//! the limit it was told.

mod assoc;
mod cursor;
mod user;

use std::io::{Read, Write};

pub use assoc::{
    APPLICATION_CONTEXT, AssociateAc, AssociateRj, AssociateRq, PresentationContextAc,
    PresentationContextRq,
};
use cursor::Cursor;
pub use user::{RoleSelection, UserIdentity, UserIdentityAc, UserInformation};

use crate::error::{NetResult, net_error};

/// PDU type codes (PS3.8 Table 9-11 ff.).
pub mod kind {
    /// A-ASSOCIATE-RQ.
    pub const ASSOCIATE_RQ: u8 = 0x01;
    /// A-ASSOCIATE-AC.
    pub const ASSOCIATE_AC: u8 = 0x02;
    /// A-ASSOCIATE-RJ.
    pub const ASSOCIATE_RJ: u8 = 0x03;
    /// P-DATA-TF.
    pub const P_DATA_TF: u8 = 0x04;
    /// A-RELEASE-RQ.
    pub const RELEASE_RQ: u8 = 0x05;
    /// A-RELEASE-RP.
    pub const RELEASE_RP: u8 = 0x06;
    /// A-ABORT.
    pub const ABORT: u8 = 0x07;
}

/// The largest association PDU (RQ/AC) we read: 128 contexts with a dozen transfer syntaxes
/// each stay far below it.
pub const MAX_ASSOCIATE_PDU: u32 = 1 << 20;

/// One presentation data value of a P-DATA-TF PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdv {
    /// Presentation context ID.
    pub context_id: u8,
    /// Message control header: bit 0 command (1) or data (0), bit 1 last fragment.
    pub control: u8,
    /// The fragment.
    pub data: Vec<u8>,
}

impl Pdv {
    /// The fragment is part of a command set.
    pub fn is_command(&self) -> bool {
        self.control & 1 != 0
    }
    /// The fragment is the last of its command or data set.
    pub fn is_last(&self) -> bool {
        self.control & 2 != 0
    }
}

/// A-ABORT source and reason (PS3.8 Table 9-26).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort {
    /// 0 service user, 2 service provider.
    pub source: u8,
    /// Provider reason (0 when the user aborted).
    pub reason: u8,
}

impl Abort {
    /// Why, in words.
    pub fn describe(&self) -> String {
        let source = match self.source {
            0 => "service user",
            2 => "service provider",
            _ => "reserved source",
        };
        let reason = match (self.source, self.reason) {
            (0, _) => "",
            (_, 0) => ": reason not specified",
            (_, 1) => ": unrecognized PDU",
            (_, 2) => ": unexpected PDU",
            (_, 4) => ": unrecognized PDU parameter",
            (_, 5) => ": unexpected PDU parameter",
            (_, 6) => ": invalid PDU parameter value",
            _ => ": reserved reason",
        };
        format!("A-ABORT from the {source}{reason}")
    }
}

/// A protocol data unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdu {
    /// A-ASSOCIATE-RQ.
    AssociateRq(AssociateRq),
    /// A-ASSOCIATE-AC.
    AssociateAc(AssociateAc),
    /// A-ASSOCIATE-RJ.
    AssociateRj(AssociateRj),
    /// P-DATA-TF with its PDVs.
    PData(Vec<Pdv>),
    /// A-RELEASE-RQ.
    ReleaseRq,
    /// A-RELEASE-RP.
    ReleaseRp,
    /// A-ABORT.
    Abort(Abort),
}

impl Pdu {
    /// Parses one whole PDU (6-byte header and body); trailing bytes are an error.
    pub fn parse(bytes: &[u8]) -> NetResult<Pdu> {
        let mut c = Cursor::new(bytes, 0);
        let kind = c.u8()?;
        c.skip(1)?;
        let len = c.u32()? as usize;
        let body = c.take(len)?;
        if !c.is_empty() {
            return Err(net_error(format!(
                "{} bytes after a PDU of {} bytes",
                c.remaining(),
                len + 6
            )));
        }
        Pdu::parse_body(kind, body)
    }

    /// Parses a PDU body (after the 6-byte header) of type `kind`.
    pub fn parse_body(kind: u8, body: &[u8]) -> NetResult<Pdu> {
        let mut c = Cursor::new(body, 6);
        let pdu = match kind {
            kind::ASSOCIATE_RQ => Pdu::AssociateRq(AssociateRq::parse(&mut c)?),
            kind::ASSOCIATE_AC => Pdu::AssociateAc(AssociateAc::parse(&mut c)?),
            kind::ASSOCIATE_RJ => {
                c.skip(1)?;
                Pdu::AssociateRj(AssociateRj {
                    result: c.u8()?,
                    source: c.u8()?,
                    reason: c.u8()?,
                })
            }
            kind::P_DATA_TF => {
                let mut pdvs = Vec::new();
                for pdv in pdv_ranges(body) {
                    let (context_id, control, range) = pdv?;
                    pdvs.push(Pdv {
                        context_id,
                        control,
                        data: body[range].to_vec(),
                    });
                }
                return Ok(Pdu::PData(pdvs));
            }
            kind::RELEASE_RQ | kind::RELEASE_RP => {
                c.skip(4)?;
                if kind == kind::RELEASE_RQ {
                    Pdu::ReleaseRq
                } else {
                    Pdu::ReleaseRp
                }
            }
            kind::ABORT => {
                c.skip(2)?;
                Pdu::Abort(Abort {
                    source: c.u8()?,
                    reason: c.u8()?,
                })
            }
            other => return Err(net_error(format!("unknown PDU type 0x{other:02X}"))),
        };
        if !c.is_empty() && !matches!(pdu, Pdu::AssociateRq(_) | Pdu::AssociateAc(_)) {
            return Err(net_error(format!(
                "PDU type 0x{kind:02X} has {} bytes more than it should",
                c.remaining()
            )));
        }
        Ok(pdu)
    }

    /// The PDU as bytes (header included).
    pub fn to_bytes(&self) -> NetResult<Vec<u8>> {
        let (kind, body) = match self {
            Pdu::AssociateRq(rq) => (kind::ASSOCIATE_RQ, rq.body()?),
            Pdu::AssociateAc(ac) => (kind::ASSOCIATE_AC, ac.body()?),
            Pdu::AssociateRj(rj) => (kind::ASSOCIATE_RJ, vec![0, rj.result, rj.source, rj.reason]),
            Pdu::PData(pdvs) => {
                let mut b = Vec::new();
                for p in pdvs {
                    let len = u32::try_from(p.data.len() + 2)
                        .map_err(|_| net_error("a PDV longer than 4 GiB"))?;
                    b.extend_from_slice(&len.to_be_bytes());
                    b.push(p.context_id);
                    b.push(p.control);
                    b.extend_from_slice(&p.data);
                }
                (kind::P_DATA_TF, b)
            }
            Pdu::ReleaseRq => (kind::RELEASE_RQ, vec![0; 4]),
            Pdu::ReleaseRp => (kind::RELEASE_RP, vec![0; 4]),
            Pdu::Abort(a) => (kind::ABORT, vec![0, 0, a.source, a.reason]),
        };
        let len = u32::try_from(body.len()).map_err(|_| net_error("a PDU longer than 4 GiB"))?;
        let mut out = Vec::with_capacity(body.len() + 6);
        out.push(kind);
        out.push(0);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Writes the PDU to `w`.
    pub fn write_to(&self, w: &mut impl Write) -> NetResult<()> {
        let bytes = self.to_bytes()?;
        w.write_all(&bytes)
            .map_err(|e| crate::error::io_error(&e, "cannot send a PDU"))
    }
}

/// The PDVs of a P-DATA-TF body: context ID, control header and the range of the fragment.
pub fn pdv_ranges(
    body: &[u8],
) -> impl Iterator<Item = NetResult<(u8, u8, std::ops::Range<usize>)>> + '_ {
    let mut at = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || at >= body.len() {
            return None;
        }
        let mut c = Cursor::new(body, 6);
        c.seek(at);
        let item = (|| {
            let len = c.u32()? as usize;
            if len < 2 {
                return Err(net_error(format!(
                    "PDV item length {len} at byte {} is less than 2",
                    at + 6
                )));
            }
            let start = at + 4;
            c.take(len)?;
            let ctx = body[start];
            let control = body[start + 1];
            at = start + len;
            Ok((ctx, control, start + 2..start + len))
        })();
        failed = item.is_err();
        Some(item)
    })
}

/// How much a PDU's buffer grows ahead of the bytes received.
const READ_STEP: usize = 1 << 20;

/// Reads the next PDU from `r` into `body` (resized to its length): returns its type. A
/// length above `max_len` (P-DATA) or [`MAX_ASSOCIATE_PDU`] (others) is refused before
/// anything is allocated.
pub fn read_pdu(r: &mut impl Read, max_len: u32, body: &mut Vec<u8>) -> NetResult<u8> {
    let (kind, len) = read_pdu_into(r, max_len, body)?;
    body.truncate(len);
    Ok(kind)
}

/// [`read_pdu`] leaving `body` at least as long as it was: the PDU is `body[..len]`, and
/// returns (type, len). A buffer that alternates between short and long PDUs is then not
/// zeroed again each time it grows back.
pub(crate) fn read_pdu_into(
    r: &mut impl Read,
    max_len: u32,
    body: &mut Vec<u8>,
) -> NetResult<(u8, usize)> {
    let mut header = [0u8; 6];
    r.read_exact(&mut header)
        .map_err(|e| crate::error::io_error(&e, "cannot receive a PDU header"))?;
    let (kind, len) = check_header(&header, max_len)?;
    read_pdu_body(r, kind, len, body)?;
    Ok((kind, len))
}

/// The type and length of a PDU from its 6-byte header, refused when the length is above
/// `max_len` (P-DATA) or what the type may have.
pub(crate) fn check_header(header: &[u8; 6], max_len: u32) -> NetResult<(u8, usize)> {
    let kind = header[0];
    let len = u32::from_be_bytes([header[2], header[3], header[4], header[5]]);
    let limit = match kind {
        kind::P_DATA_TF => max_len,
        kind::ASSOCIATE_RQ | kind::ASSOCIATE_AC => MAX_ASSOCIATE_PDU,
        kind::ASSOCIATE_RJ | kind::RELEASE_RQ | kind::RELEASE_RP | kind::ABORT => 4,
        other => return Err(net_error(format!("unknown PDU type 0x{other:02X}"))),
    };
    if len > limit {
        return Err(net_error(format!(
            "PDU type 0x{kind:02X} announces {len} bytes, more than the {limit} allowed"
        )));
    }
    Ok((kind, len as usize))
}

/// Reads the `len` bytes of a PDU's body (its header checked) into `body[..len]`.
pub(crate) fn read_pdu_body(
    r: &mut impl Read,
    kind: u8,
    len: usize,
    body: &mut Vec<u8>,
) -> NetResult<()> {
    // The buffer grows a step at a time, only as bytes arrive; a buffer that was already
    // long enough is read into as it is (no zeroing), with one `read` per chunk the socket
    // has, where `read_to_end` would start small and double.
    let mut got = 0;
    while got < len {
        let end = len.min(got + READ_STEP);
        if body.len() < end {
            body.resize(end, 0);
        }
        match r.read(&mut body[got..end]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(crate::error::io_error(&e, "cannot receive a PDU")),
        }
    }
    if got != len {
        return Err(net_error(format!(
            "the connection closed inside a PDU of type 0x{kind:02X} ({got} of {len} bytes)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
