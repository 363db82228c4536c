//! Worker pools of a size chosen from Python (`workers=`), kept for the next call with the
//! same size: batch de-identification and header scans.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuildError};

/// How a pool of a given size is made.
type Build = fn(usize) -> Result<ThreadPool, ThreadPoolBuildError>;

/// The last pool made, by size.
pub struct WorkerPool {
    slot: Mutex<Option<(usize, Arc<ThreadPool>)>>,
    build: Build,
}

impl Default for WorkerPool {
    fn default() -> Self {
        WorkerPool::with(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build())
    }
}

impl WorkerPool {
    /// Pools made by `build` (a scan's pool, say, whose threads are set up their own way).
    pub fn with(build: Build) -> Self {
        WorkerPool {
            slot: Mutex::new(None),
            build,
        }
    }

    /// A pool of `workers` threads (the kept one when the size is the same).
    pub fn get(&self, workers: usize) -> PyResult<Arc<ThreadPool>> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((n, pool)) = slot.as_ref()
            && *n == workers
        {
            return Ok(pool.clone());
        }
        let pool = (self.build)(workers)
            .map_err(|e| PyValueError::new_err(format!("cannot start {workers} workers: {e}")))?;
        let pool = Arc::new(pool);
        *slot = Some((workers, pool.clone()));
        Ok(pool)
    }
}
