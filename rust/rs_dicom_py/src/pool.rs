//! Worker pools of a size chosen from Python (`workers=`), kept for the next call with the
//! same size: batch de-identification and header scans.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The last pool made, by size.
#[derive(Default)]
pub struct WorkerPool {
    slot: Mutex<Option<(usize, Arc<rayon::ThreadPool>)>>,
}

impl WorkerPool {
    /// A pool of `workers` threads (the kept one when the size is the same).
    pub fn get(&self, workers: usize) -> PyResult<Arc<rayon::ThreadPool>> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((n, pool)) = slot.as_ref()
            && *n == workers
        {
            return Ok(pool.clone());
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .map_err(|e| PyValueError::new_err(format!("cannot start {workers} workers: {e}")))?;
        let pool = Arc::new(pool);
        *slot = Some((workers, pool.clone()));
        Ok(pool)
    }
}
