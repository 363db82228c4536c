//! The acceptor's side: read the request within ARTIM, check it, negotiate each presentation
//! context, and answer with A-ASSOCIATE-AC or -RJ (PS3.8 9.2, states 2–3).

use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use super::requestor::own_user_information;
use super::{Association, Context, DEFAULT_ARTIM, DEFAULT_MAX_PDU, configure, window};
use crate::error::{NetResult, net_error};
use crate::pdu::{
    APPLICATION_CONTEXT, Abort, AssociateAc, AssociateRj, AssociateRq, Pdu, PresentationContextAc,
    UserIdentity, UserIdentityAc, read_pdu,
};
use crate::tls::Conn;

/// Which abstract syntaxes the acceptor supports.
pub type AbstractFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Checks a user identity (PS3.7 D.3.3.7) given with the calling AE title: `Some(server
/// response)` accepts it (the response is empty for username and passcode), `None` rejects
/// the association.
pub type IdentityCheck = Arc<dyn Fn(&UserIdentity, &str) -> Option<Vec<u8>> + Send + Sync>;

/// What the acceptor accepts.
#[derive(Clone)]
pub struct AcceptConfig {
    /// Our AE title.
    pub ae_title: String,
    /// Reject requests whose called AE title is not ours.
    pub require_called_ae: bool,
    /// Accept only these calling AE titles (None: any).
    pub allowed_calling: Option<Vec<String>>,
    /// The largest P-DATA PDU we receive.
    pub max_pdu: u32,
    /// ARTIM: how long to wait for the request.
    pub artim: Duration,
    /// How long to wait for the next message on an idle association (None: forever).
    pub idle_timeout: Option<Duration>,
    /// The abstract syntaxes supported.
    pub abstract_syntaxes: AbstractFilter,
    /// The transfer syntaxes accepted, in our order of preference (None: any the core knows,
    /// in the requestor's order).
    pub transfer_syntaxes: Option<Vec<String>>,
    /// TLS (None: plain TCP).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Checks the user identity the requestor sends (None: any is accepted).
    pub identity: Option<IdentityCheck>,
    /// Reject requests that carry no user identity.
    pub require_identity: bool,
    /// The most operations the requestor may invoke with responses outstanding, answered to
    /// its asynchronous operations window proposal (PS3.7 D.3.3.3): 1 omits the item (one at
    /// a time), 0 is unlimited. Only an acceptor whose loop reads ahead may set more than 1.
    pub max_async_ops: u16,
}

impl Default for AcceptConfig {
    fn default() -> Self {
        AcceptConfig {
            ae_title: "RS_DICOM".into(),
            require_called_ae: false,
            allowed_calling: None,
            max_pdu: DEFAULT_MAX_PDU,
            artim: DEFAULT_ARTIM,
            idle_timeout: Some(Duration::from_secs(60)),
            abstract_syntaxes: Arc::new(|uid| uid == crate::VERIFICATION),
            transfer_syntaxes: None,
            tls: None,
            identity: None,
            require_identity: false,
            max_async_ops: 1,
        }
    }
}

/// The outcome of an association request.
pub enum Accepted {
    /// Established.
    Association(Box<Association>),
    /// Rejected (A-ASSOCIATE-RJ sent): why.
    Rejected(String),
}

fn choose_ts(config: &AcceptConfig, proposed: &[String]) -> Option<String> {
    match &config.transfer_syntaxes {
        Some(ours) => ours.iter().find(|t| proposed.contains(t)).cloned(),
        None => proposed
            .iter()
            .find(|t| rs_dicom::TransferSyntax::from_uid(t).is_some())
            .cloned(),
    }
}

fn reject(stream: &mut Conn, result: u8, source: u8, reason: u8) -> NetResult<Accepted> {
    send_reject(stream, result, source, reason).map(Accepted::Rejected)
}

fn send_reject(stream: &mut Conn, result: u8, source: u8, reason: u8) -> NetResult<String> {
    let rj = AssociateRj {
        result,
        source,
        reason,
    };
    Pdu::AssociateRj(rj).write_to(stream)?;
    // Give the requestor the chance to read the answer and close first.
    let _ = stream.tcp().set_read_timeout(Some(Duration::from_secs(1)));
    let mut sink = Vec::new();
    let _ = read_pdu(stream, 4, &mut sink);
    stream.close();
    Ok(rj.describe())
}

/// The transport of a fresh connection: the TLS handshake (when configured) within ARTIM.
fn open(stream: TcpStream, config: &AcceptConfig) -> NetResult<Conn> {
    configure(&stream, Some(config.artim))?;
    match &config.tls {
        Some(tls) => Conn::server(stream, tls),
        None => Conn::plain(stream),
    }
}

/// Answers a connection that exceeds the server's limit: its request gets an A-ASSOCIATE-RJ
/// "rejected-transient, local limit exceeded" (PS3.8 Table 9-21), so the requestor may retry.
pub fn reject_busy(stream: TcpStream, config: &AcceptConfig) -> NetResult<String> {
    let mut stream = open(stream, config)?;
    let mut body = Vec::new();
    let k = read_pdu(&mut stream, config.max_pdu, &mut body)
        .map_err(|e| net_error(format!("no association request: {}", e.message)))?;
    if k != crate::pdu::kind::ASSOCIATE_RQ {
        stream.close();
        return Err(net_error(format!(
            "expected an A-ASSOCIATE-RQ, got PDU type 0x{k:02X}"
        )));
    }
    send_reject(&mut stream, 2, 3, 2)
}

/// Answers the association request on a fresh connection.
pub fn accept(stream: TcpStream, config: &AcceptConfig) -> NetResult<Accepted> {
    let mut stream = open(stream, config)?;
    let mut body = Vec::new();
    let k = read_pdu(&mut stream, config.max_pdu, &mut body)
        .map_err(|e| net_error(format!("no association request: {}", e.message)))?;
    let rq = match Pdu::parse_body(k, &body) {
        Ok(Pdu::AssociateRq(rq)) => rq,
        Ok(_) | Err(_) => {
            let _ = Pdu::Abort(Abort {
                source: 2,
                reason: 2,
            })
            .write_to(&mut stream);
            return Err(net_error(format!(
                "expected an A-ASSOCIATE-RQ, got PDU type 0x{k:02X} (aborted)"
            )));
        }
    };
    if rq.protocol_version & 1 == 0 {
        return reject(&mut stream, 1, 2, 2);
    }
    if rq.application_context != APPLICATION_CONTEXT {
        return reject(&mut stream, 1, 1, 2);
    }
    if config.require_called_ae && rq.called_ae != config.ae_title {
        return reject(&mut stream, 1, 1, 7);
    }
    if let Some(allowed) = &config.allowed_calling
        && !allowed.contains(&rq.calling_ae)
    {
        return reject(&mut stream, 1, 1, 3);
    }
    let identity_response = match (&config.identity, &rq.user.identity) {
        (Some(check), Some(id)) => match check(id, &rq.calling_ae) {
            Some(response) => Some(response),
            // PS3.7 D.3.3.7.2: an identity that is not accepted rejects the association.
            None => return reject(&mut stream, 1, 1, 1),
        },
        (_, None) if config.require_identity => return reject(&mut stream, 1, 1, 1),
        _ => None,
    };
    let (ac, contexts) = answer(config, &rq, identity_response);
    Pdu::AssociateAc(ac).write_to(&mut stream)?;
    let send_max = rq.user.max_pdu_length.unwrap_or(0);
    let mut assoc = Association::new(stream, send_max, config.max_pdu, contexts)?;
    assoc.set_timeout(config.idle_timeout)?;
    assoc.async_window = window::negotiated(
        rq.user.async_ops,
        window::acceptor_answer(rq.user.async_ops, config.max_async_ops),
    );
    assoc.peer_ae = rq.calling_ae;
    assoc.own_ae = config.ae_title.clone();
    assoc.called_ae = rq.called_ae.trim().to_string();
    assoc.peer_user = rq.user;
    Ok(Accepted::Association(Box::new(assoc)))
}

fn answer(
    config: &AcceptConfig,
    rq: &AssociateRq,
    identity_response: Option<Vec<u8>>,
) -> (AssociateAc, Vec<Context>) {
    let mut acs = Vec::with_capacity(rq.contexts.len());
    let mut contexts = Vec::with_capacity(rq.contexts.len());
    for pc in &rq.contexts {
        let (result, ts) = if !(config.abstract_syntaxes)(&pc.abstract_syntax) {
            (3, None)
        } else {
            match choose_ts(config, &pc.transfer_syntaxes) {
                Some(ts) => (0, Some(ts)),
                None => (4, None),
            }
        };
        let ts = ts.unwrap_or_default();
        acs.push(PresentationContextAc {
            id: pc.id,
            result,
            transfer_syntax: if ts.is_empty() {
                rs_dicom::TransferSyntax::IMPLICIT_VR_LE.uid.to_string()
            } else {
                ts.clone()
            },
        });
        contexts.push(Context {
            id: pc.id,
            abstract_syntax: pc.abstract_syntax.clone(),
            transfer_syntax: ts,
            result,
        });
    }
    let mut user = own_user_information(config.max_pdu);
    user.async_ops = window::acceptor_answer(rq.user.async_ops, config.max_async_ops);
    // SCP/SCU role selection (PS3.7 D.3.3.4): the roles proposed for an accepted context are
    // granted as proposed (C-GET's C-STORE sub-operations need the requestor as SCP).
    user.roles = rq
        .user
        .roles
        .iter()
        .filter(|r| {
            contexts
                .iter()
                .any(|c| c.accepted() && c.abstract_syntax == r.sop_class)
        })
        .cloned()
        .collect();
    if rq
        .user
        .identity
        .as_ref()
        .is_some_and(|i| i.positive_response)
    {
        user.identity_ac = Some(UserIdentityAc {
            response: identity_response.unwrap_or_default(),
        });
    }
    let ac = AssociateAc {
        protocol_version: 1,
        called_ae: rq.called_ae.clone(),
        calling_ae: rq.calling_ae.clone(),
        application_context: APPLICATION_CONTEXT.to_string(),
        contexts: acs,
        user,
    };
    (ac, contexts)
}
