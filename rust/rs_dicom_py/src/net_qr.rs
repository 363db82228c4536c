//! `rs_dicom._core` Query/Retrieve: C-FIND, C-MOVE and C-GET on an association (one
//! response per call, so Python can stream them as a generator and cancel), and the Q/R SCP
//! serving a directory. Network I/O runs with the GIL released.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use rs_dicom::SharedDataset;
use rs_dicom_net::assoc::RequestConfig;
use rs_dicom_net::qr::index::Index;
use rs_dicom_net::qr::scp::{Indexing, QrService, server_config};
use rs_dicom_net::qr::scu::{Operation, Query, Response};
use rs_dicom_net::qr::store::SyncReport;
use rs_dicom_net::qr::worklist;
use rs_dicom_net::scp::{Server, StoreHandler};
use rs_dicom_net::tls::TlsClient;

use crate::handle::{FileInfo, PyDataset};
use crate::net::{PyAssociation, address, server_stats};
use crate::net_error::{NetworkError, net_py};
use crate::net_tls::{self, TlsSpec};

type PyResponse = (
    u16,
    Option<PyDataset>,
    Option<(u16, u16, u16, u16)>,
    Option<String>,
);

fn to_py(r: Response) -> PyResponse {
    let ds = r.identifier.map(|d| {
        let info = FileInfo {
            transfer_syntax: Some(rs_dicom::TransferSyntax::EXPLICIT_VR_LE),
            ..FileInfo::default()
        };
        PyDataset::top(SharedDataset::new(d), info)
    });
    let counts = r
        .counts
        .map(|c| (c.remaining, c.completed, c.failed, c.warning));
    (r.status, ds, counts, r.comment)
}

/// A C-FIND, C-MOVE or C-GET in progress on an association.
#[pyclass(module = "rs_dicom._core", name = "QrOperation")]
pub struct PyQrOperation {
    query: Query,
}

#[pymethods]
impl PyQrOperation {
    /// The next response `(status, identifier, counts, comment)`, or None after the final
    /// one; `counts` is `(remaining, completed, failed, warning)` for C-MOVE and C-GET.
    fn next(&mut self, py: Python<'_>, assoc: &mut PyAssociation) -> PyResult<Option<PyResponse>> {
        let a = assoc.get()?;
        let q = &mut self.query;
        let r = py.detach(|| q.next(a)).map_err(net_py)?;
        Ok(r.map(to_py))
    }

    /// Sends a C-CANCEL-RQ; the remaining responses still come from `next`.
    fn cancel(&mut self, py: Python<'_>, assoc: &mut PyAssociation) -> PyResult<()> {
        let a = assoc.get()?;
        let q = &self.query;
        py.detach(|| q.cancel(a)).map_err(net_py)
    }

    /// Files received by C-GET's C-STORE sub-operations so far.
    #[getter]
    fn received(&self) -> Vec<String> {
        let paths = self.query.received.iter();
        paths.map(|p| p.to_string_lossy().into_owned()).collect()
    }

    /// The final response arrived.
    #[getter]
    fn done(&self) -> bool {
        self.query.is_done()
    }
}

#[pymethods]
impl PyAssociation {
    /// Starts a C-FIND (`op` "find"), C-GET ("get", instances into `directory`) or C-MOVE
    /// ("move" to `destination`) with `identifier` on the context of `sop_class`.
    #[pyo3(signature = (op, sop_class, identifier, destination=None, directory=None))]
    fn qr_start(
        &mut self,
        py: Python<'_>,
        op: &str,
        sop_class: &str,
        identifier: &PyDataset,
        destination: Option<String>,
        directory: Option<PathBuf>,
    ) -> PyResult<PyQrOperation> {
        let op = match (op, destination) {
            ("find", _) => Operation::Find,
            ("get", _) => Operation::Get,
            ("move", Some(d)) => Operation::Move(d),
            _ => {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "op is 'find', 'get' or 'move' (with a destination)",
                ));
            }
        };
        let plan =
            crate::write::plan(identifier, None, None, false).map_err(crate::errors::to_py)?;
        let a = self.get()?;
        let query = py
            .detach(|| Query::start(a, sop_class, op, &plan.dataset, directory))
            .map_err(net_py)?;
        Ok(PyQrOperation { query })
    }
}

/// The Q/R SCP (with Storage and Verification), serving and indexing a directory, with a
/// Modality Worklist from `worklist`; or (`worklist_only`) the Modality Worklist SCP alone.
#[pyclass(module = "rs_dicom._core", name = "QueryRetrieveServer")]
pub struct PyQrServer {
    server: Option<Server>,
    index: Arc<Index>,
    port: u16,
    bad: Vec<(PathBuf, String)>,
    report: SyncReport,
}

#[pymethods]
impl PyQrServer {
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (port, directory, host="0.0.0.0", ae_title="RS_DICOM", destinations=None, require_called_ae=false, max_pdu=262144, timeout=None, max_associations=64, tls=None, accepted_calling_aets=None, identity_handler=None, require_identity=false, destination_tls=None, max_async_ops=16, worklist=None, worklist_only=false, ae_folders=false, index=None))]
    fn new(
        py: Python<'_>,
        port: u16,
        directory: PathBuf,
        host: &str,
        ae_title: &str,
        destinations: Option<HashMap<String, (String, u16)>>,
        require_called_ae: bool,
        max_pdu: u32,
        timeout: Option<f64>,
        max_associations: usize,
        tls: Option<TlsSpec>,
        accepted_calling_aets: Option<Vec<String>>,
        identity_handler: Option<Py<PyAny>>,
        require_identity: bool,
        destination_tls: Option<TlsSpec>,
        max_async_ops: u16,
        worklist: Option<PathBuf>,
        worklist_only: bool,
        ae_folders: bool,
        index: Option<PathBuf>,
    ) -> PyResult<Self> {
        let mut table: HashMap<String, SocketAddr> = HashMap::new();
        let mut secure: HashMap<String, TlsClient> = HashMap::new();
        for (ae, (h, p)) in destinations.unwrap_or_default() {
            table.insert(ae.clone(), address(&h, p)?);
            // One client per destination: the server name checked (and sent) is its host.
            if let Some(spec) = destination_tls.clone() {
                let mut rq = RequestConfig::default();
                net_tls::client(&mut rq, Some(spec), &h)?;
                secure.extend(rq.tls.map(|t| (ae, t)));
            }
        }
        let (mut cfg, index, bad, report) = if worklist_only {
            if !directory.is_dir() {
                let shown = directory.display();
                return Err(NetworkError::new_err(format!("{shown} is not a directory")));
            }
            let cfg = worklist::server_config(directory, ae_folders);
            let index = Arc::new(Index::new());
            (cfg, index, Vec::new(), SyncReport::default())
        } else {
            std::fs::create_dir_all(&directory).map_err(|e| {
                NetworkError::new_err(format!("cannot create {}: {e}", directory.display()))
            })?;
            // With an index file only what changed since the last start is read.
            let (index, report) = py.detach(|| match &index {
                Some(file) => Index::open_file(&directory, file),
                None => {
                    let index = Index::new();
                    let (added, bad) = index.add_dir(&directory);
                    let read = added + bad.len();
                    (
                        index,
                        SyncReport {
                            read,
                            bad,
                            ..SyncReport::default()
                        },
                    )
                }
            });
            let index = Arc::new(index);
            let bad = report.bad.clone();
            let service = Arc::new(QrService {
                index: index.clone(),
                ae_title: ae_title.to_string(),
                destinations: table,
                destination_tls: secure,
            });
            let mut cfg = server_config(directory, service);
            if let Some(wl) = worklist {
                worklist::add_to(&mut cfg, wl, ae_folders);
            }
            (cfg, index, bad, report)
        };
        cfg.accept.ae_title = ae_title.to_string();
        cfg.accept.require_called_ae = require_called_ae;
        cfg.accept.max_pdu = max_pdu;
        cfg.max_associations = max_associations.max(1);
        cfg.accept.max_async_ops = max_async_ops;
        net_tls::acceptor(
            &mut cfg.accept,
            tls,
            accepted_calling_aets,
            identity_handler,
            require_identity,
        )?;
        if let Some(t) = timeout.filter(|t| t.is_finite() && *t > 0.0) {
            cfg.accept.artim = Duration::from_secs_f64(t);
            cfg.accept.idle_timeout = Some(Duration::from_secs_f64(t));
        }
        let handler: Arc<dyn StoreHandler> = Arc::new(Indexing {
            index: index.clone(),
            inner: None,
        });
        let bind = (host.to_string(), port);
        let server = py
            .detach(|| Server::start(bind, cfg, Some(handler)))
            .map_err(net_py)?;
        let port = server.local_addr().port();
        Ok(PyQrServer {
            server: Some(server),
            index,
            port,
            bad,
            report,
        })
    }

    /// The port listened on.
    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// The number of instances indexed.
    #[getter]
    fn indexed(&self) -> usize {
        self.index.len()
    }

    /// Files of the directory that could not be indexed, with why.
    #[getter]
    fn unreadable(&self) -> Vec<(String, String)> {
        let bad = self.bad.iter();
        bad.map(|(p, why)| (p.to_string_lossy().into_owned(), why.clone()))
            .collect()
    }

    /// What building the index at start did: instances taken from the index file
    /// (`reused`), files read, rows of removed files dropped.
    fn index_stats(&self) -> Vec<(String, u64)> {
        let r = &self.report;
        [
            ("reused", r.reused),
            ("read", r.read),
            ("removed", r.removed),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v as u64))
        .collect()
    }

    /// Why the index file was rebuilt or not used, if it was.
    #[getter]
    fn index_warning(&self) -> Option<String> {
        self.report.warning.clone()
    }

    /// Counters: associations, refused, stored, failed, errors.
    fn stats(&self) -> Vec<(String, u64)> {
        self.server.as_ref().map(server_stats).unwrap_or_default()
    }

    /// Stops listening and waits for the open associations to end.
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyQrOperation>()?;
    m.add_class::<PyQrServer>()?;
    Ok(())
}
