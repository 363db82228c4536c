//! Part files: where an instance is written until it is complete, then put in place under
//! its name (or removed). They are created ahead, on a thread of their own: creating a file
//! (allocating its inode) can cost as much as writing half a megabyte into it (on ext4
//! without a journal every new inode is searched for past the inodes freed in the last
//! minute). On Linux they are unnamed (`O_TMPFILE`) where the filesystem allows it: such a
//! creation does not hold the directory's lock, which a named one holds during that whole
//! search, so the renames of completed instances do not wait for it; an unnamed file that
//! is never linked disappears by itself. Elsewhere they are empty dot-files, removed if no
//! instance comes.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Files created ahead at most: one being used, the next ones ready.
const AHEAD: usize = 2;

/// A part file name unique in the directory (process, then a counter of the process).
pub(crate) fn part_name(dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{}.w{n}.part", std::process::id()))
}

/// A file being written, not yet in place.
pub(crate) struct Part {
    /// The file.
    pub(crate) file: File,
    /// Its name, or None for an unnamed file.
    name: Option<PathBuf>,
    /// The directory it is in (where an unnamed file takes a name of its own).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    dir: PathBuf,
}

impl Part {
    /// A new part file in `dir`: unnamed when `unnamed` (Linux), else a dot-file.
    pub(crate) fn create(dir: &Path, unnamed: bool) -> io::Result<Part> {
        #[cfg(target_os = "linux")]
        if unnamed {
            use rustix::fs::{CWD, Mode, OFlags, openat};
            let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
            let fd = openat(CWD, dir, flags, Mode::from_raw_mode(0o666))?;
            return Ok(Part {
                file: File::from(fd),
                name: None,
                dir: dir.to_path_buf(),
            });
        }
        #[cfg(not(target_os = "linux"))]
        let _ = unnamed;
        let name = part_name(dir);
        let file = File::create(&name)?;
        Ok(Part {
            file,
            name: Some(name),
            dir: dir.to_path_buf(),
        })
    }

    /// Puts the complete file in place as `path`, replacing a file of that name; on
    /// failure nothing is left.
    pub(crate) fn publish(self, path: &Path) -> io::Result<()> {
        match &self.name {
            Some(name) => std::fs::rename(name, path).inspect_err(|_| self.remove()),
            #[cfg(target_os = "linux")]
            None => match link(&self.file, path) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    // A link does not replace: through a name of our own, then a rename.
                    let name = part_name(&self.dir);
                    link(&self.file, &name)?;
                    std::fs::rename(&name, path).inspect_err(|_| {
                        let _ = std::fs::remove_file(&name);
                    })
                }
                other => other,
            },
            #[cfg(not(target_os = "linux"))]
            None => Err(io::Error::other("an unnamed part file")),
        }
    }

    /// Removes the part file.
    pub(crate) fn remove(self) {
        if let Some(name) = &self.name {
            let _ = std::fs::remove_file(name);
        }
    }
}

/// Links an unnamed file as `path`: by its descriptor when we may (`AT_EMPTY_PATH` needs a
/// capability), else through /proc.
#[cfg(target_os = "linux")]
fn link(file: &File, path: &Path) -> io::Result<()> {
    use rustix::fs::{AtFlags, CWD, linkat};
    use std::os::fd::AsRawFd;
    match linkat(file, "", CWD, path, AtFlags::EMPTY_PATH) {
        Ok(()) => return Ok(()),
        Err(rustix::io::Errno::EXIST) => return Err(io::ErrorKind::AlreadyExists.into()),
        Err(_) => {}
    }
    let proc = format!("/proc/self/fd/{}", file.as_raw_fd());
    Ok(linkat(
        CWD,
        proc.as_str(),
        CWD,
        path,
        AtFlags::SYMLINK_FOLLOW,
    )?)
}

/// Whether unnamed part files can be made and linked in `dir` (tried once per directory
/// and process).
fn unnamed_works(dir: &Path) -> bool {
    static KNOWN: Mutex<Vec<(PathBuf, bool)>> = Mutex::new(Vec::new());
    if !crate::zerocopy::AVAILABLE {
        return false;
    }
    if let Ok(known) = KNOWN.lock()
        && let Some((_, works)) = known.iter().find(|(d, _)| d == dir)
    {
        return *works;
    }
    let works = Part::create(dir, true).is_ok_and(|part| {
        let probe = part_name(dir);
        let linked = part.publish(&probe).is_ok();
        let _ = std::fs::remove_file(&probe);
        linked
    });
    if let Ok(mut known) = KNOWN.lock() {
        known.push((dir.to_path_buf(), works));
    }
    works
}

/// The thread creating part files in a directory, and the files it made.
pub(crate) struct Parts {
    files: Option<Receiver<Part>>,
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
                let unnamed = unnamed_works(&dir);
                while !halt.load(Ordering::SeqCst) {
                    // After a failure the caller creates its files itself (and reports why).
                    let Ok(part) = Part::create(&dir, unnamed) else {
                        break;
                    };
                    if let Err(back) = tx.send(part) {
                        back.0.remove();
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
    pub(crate) fn next(&self) -> Option<Part> {
        self.files.as_ref()?.recv().ok()
    }
}

impl Drop for Parts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // The thread makes at most one more file, then ends: every file it sent is removed.
        if let Some(files) = self.files.take() {
            for part in files {
                part.remove();
            }
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
