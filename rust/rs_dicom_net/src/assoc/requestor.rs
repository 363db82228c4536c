//! The requestor's side: connect, propose, and read the answer (PS3.8 9.2, states 4–6).

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Association, Context, DEFAULT_ARTIM, DEFAULT_MAX_PDU, configure, window};
use crate::error::{NetResult, io_error, net_error};
use crate::pdu::{
    APPLICATION_CONTEXT, Abort, AssociateRq, Pdu, PresentationContextRq, UserIdentity,
    UserInformation, read_pdu,
};
use crate::tls::{Conn, TlsClient};

/// What the requestor asks for.
#[derive(Debug, Clone)]
pub struct RequestConfig {
    /// Our AE title (calling).
    pub calling_ae: String,
    /// The peer's AE title (called).
    pub called_ae: String,
    /// The largest P-DATA PDU we receive.
    pub max_pdu: u32,
    /// ARTIM: connecting and waiting for the answer.
    pub artim: Duration,
    /// Waiting for DIMSE responses (None: forever).
    pub dimse_timeout: Option<Duration>,
    /// User identity to send.
    pub identity: Option<UserIdentity>,
    /// Asynchronous operations window to propose (None: not proposed, i.e. 1/1).
    pub async_ops: Option<(u16, u16)>,
    /// SCP/SCU role selections to propose.
    pub roles: Vec<crate::pdu::RoleSelection>,
    /// TLS (None: plain TCP).
    pub tls: Option<TlsClient>,
}

impl Default for RequestConfig {
    fn default() -> Self {
        RequestConfig {
            calling_ae: "RS_DICOM".into(),
            called_ae: "ANY-SCP".into(),
            max_pdu: DEFAULT_MAX_PDU,
            artim: DEFAULT_ARTIM,
            dimse_timeout: None,
            identity: None,
            async_ops: None,
            roles: Vec::new(),
            tls: None,
        }
    }
}

/// Our user information item.
pub(crate) fn own_user_information(max_pdu: u32) -> UserInformation {
    UserInformation {
        max_pdu_length: Some(max_pdu),
        implementation_class_uid: rs_dicom::writer::IMPLEMENTATION_CLASS_UID.to_string(),
        implementation_version: Some(rs_dicom::writer::IMPLEMENTATION_VERSION_NAME.to_string()),
        ..Default::default()
    }
}

fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> NetResult<TcpStream> {
    let addrs = addr
        .to_socket_addrs()
        .map_err(|e| io_error(&e, "cannot resolve the peer's address"))?;
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(io_error(&e, &format!("cannot connect to {a}"))),
        }
    }
    Err(last.unwrap_or_else(|| net_error("the peer's address resolves to nothing")))
}

/// Opens an association with the peer at `addr`, proposing `contexts`.
pub fn request(
    addr: impl ToSocketAddrs,
    config: &RequestConfig,
    contexts: Vec<PresentationContextRq>,
) -> NetResult<Association> {
    if contexts.is_empty() || contexts.len() > 128 {
        return Err(net_error(format!(
            "{} presentation contexts proposed (1 to 128 are allowed)",
            contexts.len()
        )));
    }
    let stream = connect(addr, config.artim)?;
    configure(&stream, Some(config.artim))?;
    let mut stream = match &config.tls {
        Some(tls) => Conn::client(stream, tls)?,
        None => Conn::plain(stream)?,
    };
    let mut user = own_user_information(config.max_pdu);
    user.identity = config.identity.clone();
    user.async_ops = config.async_ops;
    user.roles = config.roles.clone();
    let rq = AssociateRq {
        protocol_version: 1,
        called_ae: config.called_ae.clone(),
        calling_ae: config.calling_ae.clone(),
        application_context: APPLICATION_CONTEXT.to_string(),
        contexts: contexts.clone(),
        user,
    };
    Pdu::AssociateRq(rq).write_to(&mut stream)?;
    let mut body = Vec::new();
    // Unbuffered: nothing after the answer may be read before the association exists.
    let k = read_pdu(&mut stream, config.max_pdu, &mut body).map_err(|e| {
        // With TLS 1.3 a server checks the client's certificate after our handshake ended:
        // its refusal arrives as an alert instead of the answer.
        if stream.is_tls() && e.message.contains("alert") {
            net_error(format!(
                "the peer refused the TLS connection (no client certificate it trusts?): {}",
                e.message
            ))
        } else {
            net_error(format!(
                "no answer to the association request: {}",
                e.message
            ))
        }
    })?;
    let answer = Pdu::parse_body(k, &body);
    let abort = |stream: &mut Conn| {
        let _ = Pdu::Abort(Abort {
            source: 2,
            reason: 2,
        })
        .write_to(stream);
    };
    let ac = match answer {
        Ok(Pdu::AssociateAc(ac)) => ac,
        Ok(Pdu::AssociateRj(rj)) => return Err(net_error(rj.describe())),
        Ok(Pdu::Abort(a)) => {
            return Err(net_error(format!("association aborted: {}", a.describe())));
        }
        Ok(other) => {
            abort(&mut stream);
            return Err(net_error(format!(
                "unexpected answer to the association request: {other:?}"
            )));
        }
        Err(e) => {
            abort(&mut stream);
            return Err(e);
        }
    };
    if ac.application_context != APPLICATION_CONTEXT {
        abort(&mut stream);
        return Err(net_error(format!(
            "the peer answered with application context {}",
            ac.application_context
        )));
    }
    // PS3.7 D.3.3.7: a requestor that asked for a positive response must not go on without one
    // (DCMTK's -rsp fails the same way): the identity was not confirmed.
    let asked = config
        .identity
        .as_ref()
        .is_some_and(|i| i.positive_response);
    if asked && ac.user.identity_ac.is_none() {
        abort(&mut stream);
        return Err(net_error(
            "user identity: a positive response was requested but the peer sent none",
        ));
    }
    let negotiated = contexts
        .iter()
        .map(|p| {
            let answer = ac.contexts.iter().find(|a| a.id == p.id);
            let accepted = answer
                .filter(|a| a.result == 0 && p.transfer_syntaxes.contains(&a.transfer_syntax));
            Context {
                id: p.id,
                abstract_syntax: p.abstract_syntax.clone(),
                transfer_syntax: accepted
                    .map(|a| a.transfer_syntax.clone())
                    .unwrap_or_default(),
                result: match (answer, accepted) {
                    (_, Some(_)) => 0,
                    (Some(a), None) if a.result != 0 => a.result,
                    // Not answered, or accepted with a syntax we did not propose.
                    _ => 2,
                },
            }
        })
        .collect();
    let send_max = ac.user.max_pdu_length.unwrap_or(0);
    let mut assoc = Association::new(stream, send_max, config.max_pdu, negotiated)?;
    assoc.set_timeout(config.dimse_timeout)?;
    assoc.async_window = window::negotiated(config.async_ops, ac.user.async_ops);
    assoc.peer_ae = config.called_ae.clone();
    assoc.called_ae = config.called_ae.clone();
    assoc.own_ae = config.calling_ae.clone();
    assoc.peer_user = ac.user;
    Ok(assoc)
}
