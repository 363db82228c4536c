//! De-identification from Python: `_core.Deidentifier`, the engine behind `rs_dicom.deid`
//! (`anonymize`, `Anonymizer`) and `rs-dicom anonymize`. Files are read, de-identified and
//! written entirely in Rust, in parallel, without the GIL.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rs_dicom::core::SharedDataset;
use rs_dicom::deid::{
    Action, Config, Opt, Options, PixelRule, SAFE_PRIVATE, SafePrivate, TagMatch, table,
};

use crate::errors::to_py;
use crate::handle::{FileInfo, PyDataset};
use crate::pool::WorkerPool;

/// A pixel rule as Python passes it: (modality, manufacturer, rows, columns, regions).
type RuleTuple = (
    Option<String>,
    Option<String>,
    Option<u16>,
    Option<u16>,
    Vec<(u32, u32, u32, u32)>,
);

/// A safe private attribute as Python passes it: (group, creator, element).
type SafeTuple = (Option<u16>, String, Option<u8>);

/// One file's outcome for Python: (the exception, or None; the audit JSON, or None).
type FileOutcome = (Option<Py<PyAny>>, Option<String>);

/// One row of Table E.1-1 for Python: (tag, name, in standard IOD, basic action, option
/// actions by option name).
type RowTuple = (
    String,
    &'static str,
    bool,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// One row of Table E.3.10-1 for Python: (group, element offset, creator, VR or None, VM,
/// meaning).
type SafeRowTuple = (
    u16,
    u8,
    &'static str,
    Option<String>,
    &'static str,
    &'static str,
);

/// The de-identification engine: options, key and tables, reusable for any number of
/// datasets and files.
#[pyclass(name = "Deidentifier", module = "rs_dicom._core", frozen)]
pub struct PyDeidentifier {
    cfg: Arc<Config>,
    pool: WorkerPool,
}

fn options_of(names: &[String]) -> PyResult<Options> {
    names.iter().try_fold(Options::NONE, |opts, name| {
        Opt::from_name(name).map(|o| opts.with(o)).ok_or_else(|| {
            let known: Vec<&str> = Opt::ALL.iter().map(|o| o.name()).collect();
            PyValueError::new_err(format!(
                "unknown de-identification option {name:?}; the options are {}",
                known.join(", ")
            ))
        })
    })
}

#[pymethods]
impl PyDeidentifier {
    #[new]
    #[pyo3(signature = (key, options, *, id_map=None, safe_private=None, pixel_rules=None, audit=false))]
    fn new(
        key: &[u8],
        options: Vec<String>,
        id_map: Option<HashMap<String, String>>,
        safe_private: Option<Vec<SafeTuple>>,
        pixel_rules: Option<Vec<RuleTuple>>,
        audit: bool,
    ) -> PyResult<Self> {
        let mut cfg = Config::new(key, options_of(&options)?).map_err(to_py)?;
        cfg.id_map = id_map.unwrap_or_default();
        cfg.safe_private = safe_private
            .unwrap_or_default()
            .into_iter()
            .map(|(group, creator, element)| SafePrivate {
                group,
                creator,
                element,
            })
            .collect();
        cfg.pixel_rules = pixel_rules
            .unwrap_or_default()
            .into_iter()
            .map(
                |(modality, manufacturer, rows, columns, regions)| PixelRule {
                    modality,
                    manufacturer,
                    rows,
                    columns,
                    regions,
                },
            )
            .collect();
        cfg.audit = audit;
        Ok(PyDeidentifier {
            cfg: Arc::new(cfg),
            pool: WorkerPool::default(),
        })
    }

    /// A de-identified copy of `ds` (and of its file meta) and the audit as JSON (None
    /// unless the engine records audits).
    fn dataset(&self, py: Python<'_>, ds: &PyDataset) -> PyResult<(PyDataset, Option<String>)> {
        let info = ds.file();
        let mut copy = ds.node.read().deep_clone();
        let mut meta = info.meta.as_ref().map(|m| m.read().clone());
        let cfg = self.cfg.clone();
        let audit = py
            .detach(|| cfg.deidentify(meta.as_mut(), &mut copy))
            .map_err(to_py)?;
        let out = FileInfo {
            meta: meta.map(SharedDataset::new),
            preamble: None,
            // Clean Pixel Data may have decoded compressed pixels into another syntax.
            transfer_syntax: audit.transfer_syntax.or(info.transfer_syntax),
            filename: None,
        };
        let json = self.cfg.audit.then(|| audit.to_json(None));
        Ok((PyDataset::top(SharedDataset::new(copy), out), json))
    }

    /// De-identifies files: `jobs` are (input, output) paths; `workers` threads (None: all
    /// cores). One (error or None, audit JSON or None) per job, in order.
    #[pyo3(signature = (jobs, *, overwrite=false, workers=None))]
    fn files(
        &self,
        py: Python<'_>,
        jobs: Vec<(PathBuf, PathBuf)>,
        overwrite: bool,
        workers: Option<usize>,
    ) -> PyResult<Vec<FileOutcome>> {
        let cfg = self.cfg.clone();
        let results = match workers {
            Some(1) => py.detach(|| {
                jobs.iter()
                    .map(|(i, o)| cfg.deidentify_file(i, o, overwrite))
                    .collect::<Vec<_>>()
            }),
            Some(n) => {
                let pool = self.pool.get(n.max(1))?;
                py.detach(|| pool.install(|| cfg.deidentify_files(&jobs, overwrite)))
            }
            None => py.detach(|| cfg.deidentify_files(&jobs, overwrite)),
        };
        Ok(results
            .into_iter()
            .zip(&jobs)
            .map(|(r, (_, out))| match r {
                Ok(audit) => {
                    let json = self
                        .cfg
                        .audit
                        .then(|| audit.to_json(Some(&out.to_string_lossy())));
                    (None, json)
                }
                Err(e) => (Some(to_py(e).into_value(py).into_any()), None),
            })
            .collect())
    }

    /// The names of the options, in the order of CID 7050's table.
    #[staticmethod]
    fn option_names() -> Vec<&'static str> {
        Opt::ALL.iter().map(|o| o.name()).collect()
    }

    /// The rows of PS3.15 Table E.3.10-1 (safe private attributes) as generated into the core.
    #[staticmethod]
    fn safe_private_table() -> Vec<SafeRowTuple> {
        SAFE_PRIVATE
            .iter()
            .map(|r| {
                let vr = r.vr.map(|v| v.to_string());
                (r.group, r.element, r.creator, vr, r.vm, r.meaning)
            })
            .collect()
    }

    /// The rows of PS3.15 Table E.1-1 as generated into the core.
    #[staticmethod]
    fn profile_table() -> Vec<RowTuple> {
        table::EXACT
            .iter()
            .chain(table::PATTERNS)
            .map(|row| {
                let tag = match row.tag {
                    TagMatch::Exact(t) => format!("{:04X},{:04X}", t >> 16, t & 0xFFFF),
                    TagMatch::Mask { value, mask } => {
                        let hex = format!("{value:08X}");
                        let digits: String = hex
                            .chars()
                            .enumerate()
                            .map(|(i, c)| {
                                if mask >> (28 - 4 * i) & 0xF == 0 {
                                    'x'
                                } else {
                                    c
                                }
                            })
                            .collect();
                        format!("{},{}", &digits[..4], &digits[4..])
                    }
                    TagMatch::Private => "gggg,eeee".to_string(),
                };
                let options = Opt::COLUMNS
                    .iter()
                    .zip(row.options)
                    .filter_map(|(o, a)| a.map(|a: Action| (o.name(), a.code())))
                    .collect();
                (tag, row.name, row.in_std_iod, row.basic.code(), options)
            })
            .collect()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDeidentifier>()?;
    Ok(())
}
