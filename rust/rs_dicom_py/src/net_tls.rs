//! TLS settings and acceptor policies from Python: `rs_dicom.net.TLS` arrives as a plain tuple
//! (cert, key, [ca], peer check, check hostname), and the identity handler as a callable.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom_net::assoc::{AcceptConfig, IdentityCheck, RequestConfig};
use rs_dicom_net::pdu::UserIdentity;
use rs_dicom_net::tls::{PeerCheck, TlsClient, TlsOptions, server_config};

use crate::net_error::net_py;

/// `TLS._spec()`: certificate, key, CA files, "require" | "if-present" | "ignore", host check.
pub type TlsSpec = (Option<PathBuf>, Option<PathBuf>, Vec<PathBuf>, String, bool);

fn options(spec: TlsSpec) -> PyResult<TlsOptions> {
    let (cert, key, ca, peer, check_hostname) = spec;
    let peer = match peer.as_str() {
        "require" => PeerCheck::Require,
        "if-present" => PeerCheck::VerifyIfPresent,
        "ignore" => PeerCheck::Ignore,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown peer certificate check {other:?}"
            )));
        }
    };
    Ok(TlsOptions {
        cert,
        key,
        ca,
        peer,
        check_hostname,
    })
}

/// Sets the requestor's TLS for the server at `host`.
pub fn client(cfg: &mut RequestConfig, spec: Option<TlsSpec>, host: &str) -> PyResult<()> {
    if let Some(spec) = spec {
        cfg.tls = Some(TlsClient::new(&options(spec)?, host).map_err(net_py)?);
    }
    Ok(())
}

/// Asks the acceptor for a positive user identity response (DCMTK's `-rsp`); the association
/// then fails without one.
pub fn ask_response(cfg: &mut RequestConfig, ask: bool) {
    if let Some(id) = cfg.identity.as_mut() {
        id.positive_response = ask;
    }
}

/// The acceptor's policies: TLS, the calling AE titles accepted, the identity check.
pub fn acceptor(
    cfg: &mut AcceptConfig,
    spec: Option<TlsSpec>,
    accepted_calling_aets: Option<Vec<String>>,
    identity_handler: Option<Py<PyAny>>,
    require_identity: bool,
) -> PyResult<()> {
    if let Some(spec) = spec {
        cfg.tls = Some(server_config(&options(spec)?).map_err(net_py)?);
    }
    cfg.allowed_calling =
        accepted_calling_aets.map(|list| list.into_iter().map(|a| a.trim().to_string()).collect());
    cfg.identity = identity_handler.map(identity_check);
    cfg.require_identity = require_identity;
    Ok(())
}

/// `handler(user_identity_type, primary, secondary, calling_ae)` returns True (accepted),
/// bytes (accepted, with this server response), or False/None (rejected); an exception
/// rejects.
fn identity_check(handler: Py<PyAny>) -> IdentityCheck {
    Arc::new(move |id: &UserIdentity, calling_ae: &str| {
        Python::attach(|py| {
            let args = (
                id.kind,
                PyBytes::new(py, &id.primary),
                PyBytes::new(py, &id.secondary),
                calling_ae,
            );
            match handler.call1(py, args) {
                Ok(v) => {
                    if let Ok(b) = v.cast_bound::<PyBytes>(py) {
                        Some(b.as_bytes().to_vec())
                    } else if v.is_truthy(py).unwrap_or(false) {
                        Some(Vec::new())
                    } else {
                        None
                    }
                }
                Err(e) => {
                    e.write_unraisable(py, None);
                    None
                }
            }
        })
    })
}
