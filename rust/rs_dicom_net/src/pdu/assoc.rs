//! A-ASSOCIATE-RQ, -AC and -RJ (PS3.8 9.3.2–9.3.4) and their presentation context items.

use super::cursor::{Cursor, put_item, text};
use super::user::UserInformation;
use crate::error::{NetResult, net_error};

/// The DICOM application context name (PS3.7 Annex A).
pub const APPLICATION_CONTEXT: &str = "1.2.840.10008.3.1.1.1";

const ITEM_APPLICATION_CONTEXT: u8 = 0x10;
const ITEM_CONTEXT_RQ: u8 = 0x20;
const ITEM_CONTEXT_AC: u8 = 0x21;
const ITEM_ABSTRACT_SYNTAX: u8 = 0x30;
const ITEM_TRANSFER_SYNTAX: u8 = 0x40;
const ITEM_USER_INFORMATION: u8 = 0x50;

/// A proposed presentation context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationContextRq {
    /// Odd ID, 1–255.
    pub id: u8,
    /// The abstract syntax (SOP class) UID.
    pub abstract_syntax: String,
    /// The transfer syntaxes proposed, in order of preference.
    pub transfer_syntaxes: Vec<String>,
}

/// The answer to a proposed presentation context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationContextAc {
    /// The proposed context's ID.
    pub id: u8,
    /// 0 acceptance, 1 user rejection, 2 no reason, 3 abstract syntax not supported,
    /// 4 transfer syntaxes not supported.
    pub result: u8,
    /// The accepted transfer syntax (present but not significant when rejected).
    pub transfer_syntax: String,
}

/// A-ASSOCIATE-RQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateRq {
    /// Protocol version bit field (1).
    pub protocol_version: u16,
    /// Called AE title.
    pub called_ae: String,
    /// Calling AE title.
    pub calling_ae: String,
    /// Application context name.
    pub application_context: String,
    /// The proposed presentation contexts.
    pub contexts: Vec<PresentationContextRq>,
    /// User information.
    pub user: UserInformation,
}

/// A-ASSOCIATE-AC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateAc {
    /// Protocol version bit field (1).
    pub protocol_version: u16,
    /// Called AE title as it was requested (not to be tested, PS3.8 9.3.3).
    pub called_ae: String,
    /// Calling AE title as it was requested.
    pub calling_ae: String,
    /// Application context name.
    pub application_context: String,
    /// The answers, one per proposed context.
    pub contexts: Vec<PresentationContextAc>,
    /// User information.
    pub user: UserInformation,
}

/// A-ASSOCIATE-RJ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssociateRj {
    /// 1 rejected-permanent, 2 rejected-transient.
    pub result: u8,
    /// 1 service user, 2 service provider (ACSE), 3 service provider (presentation).
    pub source: u8,
    /// The reason (its meaning depends on the source).
    pub reason: u8,
}

impl AssociateRj {
    /// Why, in words (PS3.8 Table 9-21).
    pub fn describe(&self) -> String {
        let result = match self.result {
            1 => "rejected permanently",
            2 => "rejected transiently",
            _ => "rejected",
        };
        let reason = match (self.source, self.reason) {
            (1, 1) => "no reason given",
            (1, 2) => "application context name not supported",
            (1, 3) => "calling AE title not recognized",
            (1, 7) => "called AE title not recognized",
            (2, 1) => "no reason given (ACSE)",
            (2, 2) => "protocol version not supported",
            (3, 1) => "temporary congestion",
            (3, 2) => "local limit exceeded",
            _ => "reserved reason",
        };
        format!(
            "association {result} (source {}, reason {}: {reason})",
            self.source, self.reason
        )
    }
}

/// The fixed part shared by RQ and AC: version, AE titles; then the variable items.
struct Header {
    protocol_version: u16,
    called_ae: String,
    calling_ae: String,
}

fn parse_header(c: &mut Cursor<'_>) -> NetResult<Header> {
    let protocol_version = c.u16()?;
    c.skip(2)?;
    let called_ae = text(c.take(16)?);
    let calling_ae = text(c.take(16)?);
    c.skip(32)?;
    Ok(Header {
        protocol_version,
        called_ae,
        calling_ae,
    })
}

/// The body an A-ASSOCIATE-RQ and -AC share (PS3.8 9.3.2, 9.3.3): the fixed header, the
/// application context item, the presentation context items `contexts` writes, and the user
/// information item.
fn variable_body(
    (version, called, calling): (u16, &str, &str),
    application_context: &str,
    user: &UserInformation,
    contexts: impl FnOnce(&mut Vec<u8>) -> NetResult<()>,
) -> NetResult<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    put_header(&mut out, version, called, calling)?;
    put_item(
        &mut out,
        ITEM_APPLICATION_CONTEXT,
        application_context.as_bytes(),
    )?;
    contexts(&mut out)?;
    put_item(&mut out, ITEM_USER_INFORMATION, &user.body()?)?;
    Ok(out)
}

fn put_header(out: &mut Vec<u8>, version: u16, called: &str, calling: &str) -> NetResult<()> {
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    for ae in [called, calling] {
        out.extend_from_slice(&ae_field(ae)?);
    }
    out.extend_from_slice(&[0u8; 32]);
    Ok(())
}

/// An AE title as its 16-byte, space-padded field.
fn ae_field(ae: &str) -> NetResult<[u8; 16]> {
    let b = ae.as_bytes();
    if b.len() > 16 || b.iter().any(|&c| c < 0x20 || c == b'\\' || c > 0x7E) {
        return Err(net_error(format!(
            "AE title {ae:?} must be at most 16 printable ASCII characters without a backslash"
        )));
    }
    let mut f = [b' '; 16];
    f[..b.len()].copy_from_slice(b);
    Ok(f)
}

/// The variable items: each as (type, body cursor), unknown types skipped (PS3.8 9.3.1).
fn items<'a>(c: &mut Cursor<'a>) -> NetResult<Vec<(u8, Cursor<'a>)>> {
    let mut out = Vec::new();
    while !c.is_empty() {
        let kind = c.u8()?;
        c.skip(1)?;
        let len = c.u16()? as usize;
        out.push((kind, c.sub(len)?));
    }
    Ok(out)
}

fn uid_item(c: &mut Cursor<'_>) -> String {
    text(c.rest())
}

fn check_id(id: u8, offset: usize) -> NetResult<u8> {
    if id.is_multiple_of(2) {
        return Err(net_error(format!(
            "presentation context ID {id} at PDU byte {offset} is even (IDs are odd)"
        )));
    }
    Ok(id)
}

struct Variable<P> {
    application_context: String,
    contexts: Vec<P>,
    user: UserInformation,
}

fn parse_variable<P>(
    c: &mut Cursor<'_>,
    context_kind: u8,
    mut context: impl FnMut(&mut Cursor<'_>) -> NetResult<P>,
) -> NetResult<Variable<P>> {
    let mut application_context = None;
    let mut contexts = Vec::new();
    let mut user = None;
    for (kind, mut item) in items(c)? {
        match kind {
            ITEM_APPLICATION_CONTEXT => application_context = Some(uid_item(&mut item)),
            k if k == context_kind => contexts.push(context(&mut item)?),
            ITEM_USER_INFORMATION => user = Some(UserInformation::parse(&mut item)?),
            _ => {}
        }
    }
    let application_context =
        application_context.ok_or_else(|| net_error("no application context item"))?;
    let user = user.ok_or_else(|| net_error("no user information item"))?;
    Ok(Variable {
        application_context,
        contexts,
        user,
    })
}

impl AssociateRq {
    pub(super) fn parse(c: &mut Cursor<'_>) -> NetResult<AssociateRq> {
        let h = parse_header(c)?;
        let v = parse_variable(c, ITEM_CONTEXT_RQ, |item| {
            let id = check_id(item.u8()?, item.offset())?;
            item.skip(3)?;
            let mut abstract_syntax = None;
            let mut transfer_syntaxes = Vec::new();
            for (kind, mut sub) in items(item)? {
                match kind {
                    ITEM_ABSTRACT_SYNTAX => abstract_syntax = Some(uid_item(&mut sub)),
                    ITEM_TRANSFER_SYNTAX => transfer_syntaxes.push(uid_item(&mut sub)),
                    other => {
                        return Err(net_error(format!(
                            "unexpected sub-item 0x{other:02X} in presentation context {id}"
                        )));
                    }
                }
            }
            let abstract_syntax = abstract_syntax.ok_or_else(|| {
                net_error(format!("presentation context {id} has no abstract syntax"))
            })?;
            Ok(PresentationContextRq {
                id,
                abstract_syntax,
                transfer_syntaxes,
            })
        })?;
        Ok(AssociateRq {
            protocol_version: h.protocol_version,
            called_ae: h.called_ae,
            calling_ae: h.calling_ae,
            application_context: v.application_context,
            contexts: v.contexts,
            user: v.user,
        })
    }

    pub(super) fn body(&self) -> NetResult<Vec<u8>> {
        let head = (self.protocol_version, &*self.called_ae, &*self.calling_ae);
        variable_body(head, &self.application_context, &self.user, |out| {
            for pc in &self.contexts {
                let mut b = vec![pc.id, 0, 0, 0];
                put_item(&mut b, ITEM_ABSTRACT_SYNTAX, pc.abstract_syntax.as_bytes())?;
                for ts in &pc.transfer_syntaxes {
                    put_item(&mut b, ITEM_TRANSFER_SYNTAX, ts.as_bytes())?;
                }
                put_item(out, ITEM_CONTEXT_RQ, &b)?;
            }
            Ok(())
        })
    }
}

impl AssociateAc {
    pub(super) fn parse(c: &mut Cursor<'_>) -> NetResult<AssociateAc> {
        let h = parse_header(c)?;
        let v = parse_variable(c, ITEM_CONTEXT_AC, |item| {
            let id = check_id(item.u8()?, item.offset())?;
            item.skip(1)?;
            let result = item.u8()?;
            item.skip(1)?;
            let mut transfer_syntax = String::new();
            for (kind, mut sub) in items(item)? {
                if kind == ITEM_TRANSFER_SYNTAX {
                    transfer_syntax = uid_item(&mut sub);
                }
            }
            if result == 0 && transfer_syntax.is_empty() {
                return Err(net_error(format!(
                    "accepted presentation context {id} has no transfer syntax"
                )));
            }
            Ok(PresentationContextAc {
                id,
                result,
                transfer_syntax,
            })
        })?;
        Ok(AssociateAc {
            protocol_version: h.protocol_version,
            called_ae: h.called_ae,
            calling_ae: h.calling_ae,
            application_context: v.application_context,
            contexts: v.contexts,
            user: v.user,
        })
    }

    pub(super) fn body(&self) -> NetResult<Vec<u8>> {
        let head = (self.protocol_version, &*self.called_ae, &*self.calling_ae);
        variable_body(head, &self.application_context, &self.user, |out| {
            for pc in &self.contexts {
                let mut b = vec![pc.id, 0, pc.result, 0];
                put_item(&mut b, ITEM_TRANSFER_SYNTAX, pc.transfer_syntax.as_bytes())?;
                put_item(out, ITEM_CONTEXT_AC, &b)?;
            }
            Ok(())
        })
    }
}
