//! `rs_dicom._core` networking: C-ECHO, C-STORE of files and datasets over parallel
//! associations, an association handle, and the storage SCP. All network I/O runs with the
//! GIL released; a Python handler is called (with the GIL) only where one is given.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom_net::assoc::{Association, RequestConfig, request};
use rs_dicom_net::pdu::{PresentationContextRq, RoleSelection, UserIdentity};
use rs_dicom_net::scp::{Server, ServerConfig, StoreHandler, Stored};
use rs_dicom_net::scu::{self, Instance, contexts_for};
use rs_dicom_net::send::{Item, Outcome, send_all};

use crate::errors::to_py;
use crate::handle::PyDataset;
use crate::net_error::{AssociationAbortedError, AssociationRejectedError, NetworkError, net_py};
use crate::net_tls::{self, TlsSpec};

// The servers' signatures spell the default window as a literal (a constant path shows as
// `...` in the Python signature, which the stubs cannot match): it must stay the SCP's.
const _: () = assert!(rs_dicom_net::scp::DEFAULT_ASYNC_OPS == 16);

pub(crate) fn address(host: &str, port: u16) -> PyResult<SocketAddr> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| NetworkError::new_err(format!("cannot resolve {host}:{port}: {e}")))?
        .next()
        .ok_or_else(|| NetworkError::new_err(format!("{host}:{port} resolves to nothing")))
}

fn config(
    ae_title: &str,
    called_ae: &str,
    timeout: Option<f64>,
    max_pdu: u32,
    username: Option<String>,
    password: Option<String>,
) -> RequestConfig {
    let t = timeout
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(Duration::from_secs_f64);
    RequestConfig {
        calling_ae: ae_title.to_string(),
        called_ae: called_ae.to_string(),
        max_pdu,
        artim: t.unwrap_or(rs_dicom_net::assoc::DEFAULT_ARTIM),
        dimse_timeout: t,
        identity: username.map(|u| UserIdentity {
            kind: if password.is_some() { 2 } else { 1 },
            positive_response: false,
            primary: u.into_bytes(),
            secondary: password.unwrap_or_default().into_bytes(),
        }),
        ..RequestConfig::default()
    }
}

/// The asynchronous operations window proposed for `max_async_ops` operations invoked at
/// once (0: unlimited); 1 proposes nothing, which means one at a time. We perform one at a
/// time (C-GET's sub-operations).
fn proposal(max_async_ops: u16) -> Option<(u16, u16)> {
    (max_async_ops != 1).then_some((max_async_ops, 1))
}

/// The default contexts of an association: Verification, the Q/R and worklist models, and
/// the storage SOP classes that fit (the standard's non-retired ones first) in explicit and
/// implicit VR little endian.
fn default_contexts() -> Vec<PresentationContextRq> {
    let qr = rs_dicom_net::qr::QR_SOP_CLASSES
        .iter()
        .chain([&rs_dicom_net::qr::WORKLIST_FIND]);
    let mut classes: Vec<&str> = qr.copied().collect();
    let fixed = classes.len();
    classes.extend(
        rs_dicom_net::storage_sop_classes()
            .iter()
            .copied()
            .filter(|u| rs_dicom::dictionary::uid(u).is_some_and(|e| !e.retired))
            .take(127 - fixed),
    );
    let ts = rs_dicom::TransferSyntax::EXPLICIT_VR_LE;
    contexts_for(classes.into_iter().map(|c| (c, ts))).unwrap_or_default()
}

/// The SCP role proposed for the storage classes of `contexts` (C-GET's sub-operations come
/// back on the association).
fn storage_roles(contexts: &[PresentationContextRq]) -> Vec<RoleSelection> {
    contexts
        .iter()
        .filter(|c| rs_dicom_net::is_storage_sop_class(&c.abstract_syntax))
        .map(|c| RoleSelection {
            sop_class: c.abstract_syntax.clone(),
            scu: true,
            scp: true,
        })
        .collect()
}

fn instance_of(ds: &PyDataset) -> PyResult<Instance> {
    let plan = crate::write::plan(ds, None, None, false).map_err(to_py)?;
    Instance::new(plan.meta.unwrap_or_default(), plan.dataset, plan.ts).map_err(net_py)
}

/// C-ECHO: returns the response status.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (host, port, ae_title, called_ae, timeout=None, max_pdu=262144, username=None, password=None, tls=None, identity_response=false))]
fn net_echo(
    py: Python<'_>,
    host: &str,
    port: u16,
    ae_title: &str,
    called_ae: &str,
    timeout: Option<f64>,
    max_pdu: u32,
    username: Option<String>,
    password: Option<String>,
    tls: Option<TlsSpec>,
    identity_response: bool,
) -> PyResult<u16> {
    let addr = address(host, port)?;
    let mut cfg = config(ae_title, called_ae, timeout, max_pdu, username, password);
    net_tls::client(&mut cfg, tls, host)?;
    net_tls::ask_response(&mut cfg, identity_response);
    py.detach(|| {
        let mut assoc = request(addr, &cfg, contexts_for([])?)?;
        let status = scu::echo(&mut assoc)?;
        assoc.release()?;
        Ok(status)
    })
    .map_err(net_py)
}

/// C-STORE of files (str) and datasets over up to `workers` associations; `callback(i,
/// status, error)` after each item. Returns (status, error) per item, in order.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (items, host, port, ae_title, called_ae, timeout=None, max_pdu=262144, workers=1, callback=None, username=None, password=None, tls=None, identity_response=false, max_async_ops=1))]
fn net_send(
    py: Python<'_>,
    items: Vec<Bound<'_, PyAny>>,
    host: &str,
    port: u16,
    ae_title: &str,
    called_ae: &str,
    timeout: Option<f64>,
    max_pdu: u32,
    workers: usize,
    callback: Option<Py<PyAny>>,
    username: Option<String>,
    password: Option<String>,
    tls: Option<TlsSpec>,
    identity_response: bool,
    max_async_ops: u16,
) -> PyResult<Vec<(Option<u16>, Option<String>)>> {
    let addr = address(host, port)?;
    let mut cfg = config(ae_title, called_ae, timeout, max_pdu, username, password);
    cfg.async_ops = proposal(max_async_ops);
    net_tls::client(&mut cfg, tls, host)?;
    net_tls::ask_response(&mut cfg, identity_response);
    let mut list = Vec::with_capacity(items.len());
    for item in &items {
        if let Ok(ds) = item.cast::<PyDataset>() {
            list.push(Item::Instance(Box::new(instance_of(&ds.borrow())?)));
        } else {
            list.push(Item::Path(item.extract::<PathBuf>()?));
        }
    }
    let done = |i: usize, o: &Outcome| {
        if let Some(cb) = &callback {
            Python::attach(|py| {
                if let Err(e) = cb.call1(py, (i, o.status, o.error.clone())) {
                    e.write_unraisable(py, None);
                }
            });
        }
    };
    let outcomes = py
        .detach(|| send_all(list, addr, &cfg, workers, &done))
        .map_err(net_py)?;
    Ok(outcomes.into_iter().map(|o| (o.status, o.error)).collect())
}

/// An established association (the Python face wraps it in a context manager).
#[pyclass(module = "rs_dicom._core", name = "Association")]
pub struct PyAssociation {
    inner: Option<Association>,
}

impl PyAssociation {
    pub(crate) fn get(&mut self) -> PyResult<&mut Association> {
        self.inner
            .as_mut()
            .filter(|a| a.is_open())
            .ok_or_else(|| NetworkError::new_err("the association is not open"))
    }

    /// The user information the acceptor answered with (None once released).
    pub(crate) fn peer_user(&self) -> Option<&rs_dicom_net::pdu::UserInformation> {
        self.inner.as_ref().map(|a| &a.peer_user)
    }
}

#[pymethods]
impl PyAssociation {
    /// The acceptor's user identity response (PS3.7 D.3.3.7.2), when it sent one.
    #[getter]
    fn identity_response<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        let ac = self.peer_user()?.identity_ac.as_ref()?;
        Some(PyBytes::new(py, &ac.response))
    }

    /// The negotiated asynchronous operations window: (invoked, performed), 0 unlimited.
    #[getter]
    fn async_ops(&self) -> (u16, u16) {
        self.inner.as_ref().map_or((1, 1), Association::async_ops)
    }

    /// C-ECHO: the response status.
    fn echo(&mut self, py: Python<'_>) -> PyResult<u16> {
        let a = self.get()?;
        py.detach(|| scu::echo(a)).map_err(net_py)
    }

    /// C-STORE of a dataset or a file: the response status.
    fn send(&mut self, py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<u16> {
        let inst = if let Ok(ds) = item.cast::<PyDataset>() {
            instance_of(&ds.borrow())?
        } else {
            let path: PathBuf = item.extract()?;
            py.detach(|| Instance::for_sending(&path)).map_err(to_py)?
        };
        let a = self.get()?;
        py.detach(|| scu::store(a, &inst)).map_err(net_py)
    }

    /// The accepted contexts: (abstract syntax, transfer syntax).
    #[getter]
    fn accepted_contexts(&self) -> Vec<(String, String)> {
        self.inner.as_ref().map_or_else(Vec::new, |a| {
            a.contexts()
                .iter()
                .filter(|c| c.accepted())
                .map(|c| (c.abstract_syntax.clone(), c.transfer_syntax.clone()))
                .collect()
        })
    }

    /// The association is established and not yet released or aborted.
    #[getter]
    fn is_established(&self) -> bool {
        self.inner.as_ref().is_some_and(Association::is_open)
    }

    /// A-RELEASE.
    fn release(&mut self, py: Python<'_>) -> PyResult<()> {
        match self.inner.take() {
            Some(a) if a.is_open() => py.detach(|| a.release()).map_err(net_py),
            _ => Ok(()),
        }
    }

    /// A-ABORT.
    fn abort(&mut self) {
        if let Some(a) = self.inner.take() {
            a.abort();
        }
    }
}

/// Opens an association; `contexts` is a list of (abstract syntax, [transfer syntaxes]).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (host, port, ae_title, called_ae, contexts=None, timeout=None, max_pdu=262144, username=None, password=None, tls=None, identity_response=false, max_async_ops=1))]
fn net_associate(
    py: Python<'_>,
    host: &str,
    port: u16,
    ae_title: &str,
    called_ae: &str,
    contexts: Option<Vec<(String, Vec<String>)>>,
    timeout: Option<f64>,
    max_pdu: u32,
    username: Option<String>,
    password: Option<String>,
    tls: Option<TlsSpec>,
    identity_response: bool,
    max_async_ops: u16,
) -> PyResult<PyAssociation> {
    let addr = address(host, port)?;
    let mut cfg = config(ae_title, called_ae, timeout, max_pdu, username, password);
    cfg.async_ops = proposal(max_async_ops);
    net_tls::client(&mut cfg, tls, host)?;
    net_tls::ask_response(&mut cfg, identity_response);
    let contexts = match contexts {
        None => default_contexts(),
        Some(list) => list
            .into_iter()
            .enumerate()
            .map(
                |(i, (abstract_syntax, transfer_syntaxes))| PresentationContextRq {
                    id: (2 * i + 1).min(255) as u8,
                    abstract_syntax,
                    transfer_syntaxes,
                },
            )
            .collect(),
    };
    cfg.roles = storage_roles(&contexts);
    let assoc = py
        .detach(|| request(addr, &cfg, contexts))
        .map_err(net_py)?;
    Ok(PyAssociation { inner: Some(assoc) })
}

/// A server's counters as (name, value) pairs.
pub(crate) fn server_stats(server: &Server) -> Vec<(String, u64)> {
    use std::sync::atomic::Ordering::Relaxed;
    let s = server.stats();
    vec![
        ("associations".into(), s.associations.load(Relaxed)),
        ("refused".into(), s.refused.load(Relaxed)),
        ("stored".into(), s.stored.load(Relaxed)),
        ("failed".into(), s.failed.load(Relaxed)),
        ("errors".into(), s.errors.load(Relaxed)),
    ]
}

/// Calls a Python callable for each stored instance: `handler(path, sop_class,
/// sop_instance, transfer_syntax, calling_ae) -> int | None`; an exception answers 0xC000.
struct PyHandler(Py<PyAny>);

impl StoreHandler for PyHandler {
    fn stored(&self, s: &Stored) -> u16 {
        Python::attach(|py| {
            let args = (
                s.path.to_string_lossy().into_owned(),
                s.sop_class.as_str(),
                s.sop_instance.as_str(),
                s.transfer_syntax.as_str(),
                s.calling_ae.as_str(),
            );
            match self.0.call1(py, args) {
                Ok(v) if v.is_none(py) => 0,
                Ok(v) => v.extract::<u16>(py).unwrap_or(0xC000),
                Err(e) => {
                    e.write_unraisable(py, None);
                    0xC000
                }
            }
        })
    }
}

/// The storage SCP, running in background threads until `stop()`.
#[pyclass(module = "rs_dicom._core", name = "StorageServer")]
pub struct PyStorageServer {
    server: Option<Server>,
    port: u16,
}

#[pymethods]
impl PyStorageServer {
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (port, directory, host="0.0.0.0", ae_title="RS_DICOM", require_called_ae=false, handler=None, max_pdu=262144, timeout=None, max_associations=64, tls=None, accepted_calling_aets=None, identity_handler=None, require_identity=false, max_async_ops=16))]
    fn new(
        py: Python<'_>,
        port: u16,
        directory: PathBuf,
        host: &str,
        ae_title: &str,
        require_called_ae: bool,
        handler: Option<Py<PyAny>>,
        max_pdu: u32,
        timeout: Option<f64>,
        max_associations: usize,
        tls: Option<TlsSpec>,
        accepted_calling_aets: Option<Vec<String>>,
        identity_handler: Option<Py<PyAny>>,
        require_identity: bool,
        max_async_ops: u16,
    ) -> PyResult<Self> {
        let mut cfg = ServerConfig::storage(directory);
        cfg.accept.max_async_ops = max_async_ops;
        net_tls::acceptor(
            &mut cfg.accept,
            tls,
            accepted_calling_aets,
            identity_handler,
            require_identity,
        )?;
        cfg.accept.ae_title = ae_title.to_string();
        cfg.accept.require_called_ae = require_called_ae;
        cfg.accept.max_pdu = max_pdu;
        cfg.max_associations = max_associations.max(1);
        if let Some(t) = timeout.filter(|t| t.is_finite() && *t > 0.0) {
            cfg.accept.artim = Duration::from_secs_f64(t);
            cfg.accept.idle_timeout = Some(Duration::from_secs_f64(t));
        }
        let handler = handler.map(|h| Arc::new(PyHandler(h)) as Arc<dyn StoreHandler>);
        let bind = (host.to_string(), port);
        let server = py
            .detach(|| Server::start(bind, cfg, handler))
            .map_err(net_py)?;
        let port = server.local_addr().port();
        Ok(PyStorageServer {
            server: Some(server),
            port,
        })
    }

    /// The port listened on (the one chosen when 0 was asked for).
    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// Counters: associations, refused, stored, failed, errors.
    fn stats(&self) -> Vec<(String, u64)> {
        self.server.as_ref().map(server_stats).unwrap_or_default()
    }

    /// Stops listening and waits for the open associations to end (they are closed).
    fn stop(&mut self, py: Python<'_>) {
        if let Some(mut s) = self.server.take() {
            py.detach(move || s.stop());
        }
    }

    /// The server is running.
    #[getter]
    fn running(&self) -> bool {
        self.server.is_some()
    }
}

impl Drop for PyStorageServer {
    /// Association threads may wait for the GIL to call the handler: it is released while
    /// they finish.
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            Python::attach(|py| py.detach(move || s.stop()));
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("NetworkError", py.get_type::<NetworkError>())?;
    m.add(
        "AssociationRejectedError",
        py.get_type::<AssociationRejectedError>(),
    )?;
    m.add(
        "AssociationAbortedError",
        py.get_type::<AssociationAbortedError>(),
    )?;
    m.add_class::<PyAssociation>()?;
    m.add_class::<PyStorageServer>()?;
    m.add_function(wrap_pyfunction!(net_echo, m)?)?;
    m.add_function(wrap_pyfunction!(net_send, m)?)?;
    m.add_function(wrap_pyfunction!(net_associate, m)?)?;
    Ok(())
}
