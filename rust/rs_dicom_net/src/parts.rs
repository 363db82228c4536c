//! Part files created ahead, on a thread of their own. Creating a file (allocating its inode)
//! can cost as much as writing half a megabyte into it: on ext4 without a journal every new
//! inode is searched for past the inodes freed in the last minute, so after many deletions it
//! is the largest cost of storing an instance. Done on its own thread, it overlaps receiving
//! and writing the instances before; the files are empty dot-files, removed if no instance
//! comes.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

/// Files created ahead at most: one being used, the next ones ready.
const AHEAD: usize = 2;

/// A part file name unique in the directory (process, then a counter of the process).
pub(crate) fn part_name(dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{}.w{n}.part", std::process::id()))
}

/// The thread creating part files in a directory, and the files it made.
pub(crate) struct Parts {
    files: Option<Receiver<(PathBuf, File)>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Parts {
    /// Starts creating part files in `dir`.
    pub(crate) fn start(dir: &Path) -> io::Result<Parts> {
        let (tx, files) = sync_channel(AHEAD);
        let stop = Arc::new(AtomicBool::new(false));
        let (dir, halt) = (dir.to_path_buf(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("rs_dicom-parts".into())
            .spawn(move || {
                while !halt.load(Ordering::SeqCst) {
                    let part = part_name(&dir);
                    // After a failure the caller creates its files itself (and reports why).
                    let Ok(file) = File::create(&part) else { break };
                    if let Err(back) = tx.send((part, file)) {
                        let (part, file) = back.0;
                        drop(file);
                        let _ = std::fs::remove_file(part);
                        break;
                    }
                }
            })?;
        Ok(Parts {
            files: Some(files),
            stop,
            thread: Some(thread),
        })
    }

    /// The next file created ahead (waiting for the one being created); None once the
    /// thread stopped.
    pub(crate) fn next(&self) -> Option<(PathBuf, File)> {
        self.files.as_ref()?.recv().ok()
    }
}

impl Drop for Parts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // The thread makes at most one more file, then ends: every file it sent is removed.
        if let Some(files) = self.files.take() {
            for (part, file) in files {
                drop(file);
                let _ = std::fs::remove_file(part);
            }
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
