//! The user information item (PS3.8 D.1, PS3.7 D.3.3): maximum length, implementation
//! identification, asynchronous operations window, role selection, user identity.

use super::cursor::{Cursor, put_item, put_u16_field, text};
use crate::error::{NetResult, net_error};

const MAX_LENGTH: u8 = 0x51;
const IMPLEMENTATION_CLASS: u8 = 0x52;
const ASYNC_OPS: u8 = 0x53;
const ROLE_SELECTION: u8 = 0x54;
const IMPLEMENTATION_VERSION: u8 = 0x55;
const USER_IDENTITY_RQ: u8 = 0x58;
const USER_IDENTITY_AC: u8 = 0x59;

/// SCP/SCU role selection for one SOP class (PS3.7 D.3.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSelection {
    /// The SOP class UID.
    pub sop_class: String,
    /// The requestor may be (or the acceptor accepts it as) SCU.
    pub scu: bool,
    /// The requestor may be (or the acceptor accepts it as) SCP.
    pub scp: bool,
}

/// User identity negotiation, request side (PS3.7 D.3.3.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIdentity {
    /// 1 username, 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT.
    pub kind: u8,
    /// The requestor asks for a positive response.
    pub positive_response: bool,
    /// The username (or the token).
    pub primary: Vec<u8>,
    /// The passcode (type 2 only).
    pub secondary: Vec<u8>,
}

/// User identity negotiation, accept side: the server response (empty for types 1 and 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIdentityAc {
    /// The server response.
    pub response: Vec<u8>,
}

/// The user information sub-items.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInformation {
    /// Maximum length of the P-DATA-TF PDUs the sender can receive; 0 means no limit.
    pub max_pdu_length: Option<u32>,
    /// Implementation class UID.
    pub implementation_class_uid: String,
    /// Implementation version name.
    pub implementation_version: Option<String>,
    /// Asynchronous operations window: (invoked, performed).
    pub async_ops: Option<(u16, u16)>,
    /// SCP/SCU role selections.
    pub roles: Vec<RoleSelection>,
    /// User identity (request).
    pub identity: Option<UserIdentity>,
    /// User identity (acceptance).
    pub identity_ac: Option<UserIdentityAc>,
    /// Sub-items not interpreted here (extended negotiation...), kept as (type, value).
    pub other: Vec<(u8, Vec<u8>)>,
}

impl UserInformation {
    pub(super) fn parse(c: &mut Cursor<'_>) -> NetResult<UserInformation> {
        let mut u = UserInformation::default();
        while !c.is_empty() {
            let kind = c.u8()?;
            c.skip(1)?;
            let len = c.u16()? as usize;
            let at = c.offset();
            let mut s = c.sub(len)?;
            let exact = |s: &Cursor<'_>, n: usize| {
                if s.remaining() == n {
                    Ok(())
                } else {
                    Err(net_error(format!(
                        "user information sub-item 0x{kind:02X} at PDU byte {at} has {len} \
                         bytes, not {n}"
                    )))
                }
            };
            match kind {
                MAX_LENGTH => {
                    exact(&s, 4)?;
                    u.max_pdu_length = Some(s.u32()?);
                }
                IMPLEMENTATION_CLASS => u.implementation_class_uid = text(s.rest()),
                IMPLEMENTATION_VERSION => u.implementation_version = Some(text(s.rest())),
                ASYNC_OPS => {
                    exact(&s, 4)?;
                    u.async_ops = Some((s.u16()?, s.u16()?));
                }
                ROLE_SELECTION => {
                    let n = s.u16()? as usize;
                    let sop_class = text(s.take(n)?);
                    let scu = s.u8()? != 0;
                    let scp = s.u8()? != 0;
                    exact(&s, 0)?;
                    u.roles.push(RoleSelection {
                        sop_class,
                        scu,
                        scp,
                    });
                }
                USER_IDENTITY_RQ => {
                    let kind = s.u8()?;
                    let positive_response = s.u8()? != 0;
                    let n = s.u16()? as usize;
                    let primary = s.take(n)?.to_vec();
                    let n = s.u16()? as usize;
                    let secondary = s.take(n)?.to_vec();
                    exact(&s, 0)?;
                    u.identity = Some(UserIdentity {
                        kind,
                        positive_response,
                        primary,
                        secondary,
                    });
                }
                USER_IDENTITY_AC => {
                    let n = s.u16()? as usize;
                    let response = s.take(n)?.to_vec();
                    exact(&s, 0)?;
                    u.identity_ac = Some(UserIdentityAc { response });
                }
                other => u.other.push((other, s.rest().to_vec())),
            }
        }
        Ok(u)
    }

    pub(super) fn body(&self) -> NetResult<Vec<u8>> {
        let mut out = Vec::with_capacity(128);
        if let Some(n) = self.max_pdu_length {
            put_item(&mut out, MAX_LENGTH, &n.to_be_bytes())?;
        }
        if !self.implementation_class_uid.is_empty() {
            put_item(
                &mut out,
                IMPLEMENTATION_CLASS,
                self.implementation_class_uid.as_bytes(),
            )?;
        }
        if let Some((invoked, performed)) = self.async_ops {
            let mut b = invoked.to_be_bytes().to_vec();
            b.extend_from_slice(&performed.to_be_bytes());
            put_item(&mut out, ASYNC_OPS, &b)?;
        }
        for r in &self.roles {
            let mut b = Vec::new();
            put_u16_field(&mut b, r.sop_class.as_bytes())?;
            b.push(u8::from(r.scu));
            b.push(u8::from(r.scp));
            put_item(&mut out, ROLE_SELECTION, &b)?;
        }
        if let Some(v) = &self.implementation_version {
            put_item(&mut out, IMPLEMENTATION_VERSION, v.as_bytes())?;
        }
        for (kind, value) in &self.other {
            put_item(&mut out, *kind, value)?;
        }
        if let Some(id) = &self.identity {
            let mut b = vec![id.kind, u8::from(id.positive_response)];
            put_u16_field(&mut b, &id.primary)?;
            put_u16_field(&mut b, &id.secondary)?;
            put_item(&mut out, USER_IDENTITY_RQ, &b)?;
        }
        if let Some(ac) = &self.identity_ac {
            let mut b = Vec::new();
            put_u16_field(&mut b, &ac.response)?;
            put_item(&mut out, USER_IDENTITY_AC, &b)?;
        }
        Ok(out)
    }
}
