//! Writing received instances on a second thread per association: while the writer puts
//! one fragment of a data set into its file, the association's thread receives the next.
//! Fragments travel as the PDU buffers they were received into (no copy), through a bounded
//! queue, so memory stays at a few PDUs however large the instance; the buffers come back
//! for the next PDUs. The C-STORE response still waits for the writer: it has written the
//! whole file and renamed it into place (or failed, and removed it).
//!
//! Creating a file (allocating its inode) can cost as much as writing half a megabyte into
//! it, so the association's thread creates the next part file once it has sent its
//! responses, while the peer turns around and sends the next request: an empty dot-file,
//! removed if no instance comes.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, IoSlice, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use crate::assoc::{Association, Fragment};
use crate::dimse::Command;
use crate::error::NetResult;
use crate::incoming::{Incoming, Stored, file_head};

/// Jobs queued at most: each holds one PDU (at most our maximum PDU length).
const QUEUE: usize = 4;

enum Job {
    /// Starts a file, already created as `part`, that begins with `head` (preamble and file
    /// meta).
    Open {
        file: io::Result<File>,
        part: PathBuf,
        head: Vec<u8>,
    },
    /// Writes `buf[range]`; the buffer then goes back.
    Data(Vec<u8>, Range<usize>),
    /// Closes the file and renames it to `path` (or removes it after an error); answers.
    Commit(PathBuf),
    /// Closes and removes the file; answers.
    Discard,
}

/// The writer thread of one association.
pub(crate) struct Spool {
    /// Where part files are created.
    dir: PathBuf,
    /// A part file created ahead for the next instance.
    ready: Cell<Option<(PathBuf, File)>>,
    /// A file went through the writer (small instances never use it).
    used: Cell<bool>,
    jobs: Option<SyncSender<Job>>,
    done: Receiver<io::Result<()>>,
    free: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl Spool {
    /// Starts the writer thread of instances received into `dir`.
    pub(crate) fn start(dir: &Path) -> io::Result<Spool> {
        let (jobs, job_rx) = sync_channel(QUEUE);
        let (done_tx, done) = channel();
        let (free_tx, free) = channel();
        let thread = std::thread::Builder::new()
            .name("rs_dicom-writer".into())
            .spawn(move || writer(job_rx, done_tx, free_tx))?;
        Ok(Spool {
            dir: dir.to_path_buf(),
            ready: Cell::new(None),
            used: Cell::new(false),
            jobs: Some(jobs),
            done,
            free,
            thread: Some(thread),
        })
    }

    /// A buffer for the next PDU: one the writer is done with, if any.
    pub(crate) fn spare(&self) -> Vec<u8> {
        self.free.try_recv().unwrap_or_default()
    }

    fn send(&self, job: Job) -> io::Result<()> {
        self.jobs
            .as_ref()
            .and_then(|j| j.send(job).ok())
            .ok_or_else(|| io::Error::other("the writer thread ended"))
    }

    fn answer(&self) -> io::Result<()> {
        self.done
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread ended")))
    }

    /// Starts a file with `head`: the one created ahead, or a new one.
    pub(crate) fn open(&self, head: Vec<u8>) -> io::Result<()> {
        self.used.set(true);
        let (part, file) = match self.ready.take() {
            Some((part, file)) => (part, Ok(file)),
            None => {
                let part = self.part_name();
                let file = File::create(&part);
                (part, file)
            }
        };
        self.send(Job::Open { file, part, head })
    }

    /// A part file name unique in the directory (process, then a counter of the process).
    fn part_name(&self) -> PathBuf {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!(".{}.w{n}.part", std::process::id()))
    }

    /// Creates the part file of the next instance, if not done yet and the writer was used.
    pub(crate) fn prepare(&self) {
        if !self.used.get() {
            return;
        }
        let ready = self.ready.take().or_else(|| {
            let part = self.part_name();
            File::create(&part).ok().map(|f| (part, f))
        });
        self.ready.set(ready);
    }

    /// Queues a fragment of the open file.
    pub(crate) fn data(&self, fragment: Fragment<'_>) -> io::Result<()> {
        match fragment {
            Fragment::Owned(buf, range) => self.send(Job::Data(buf, range)),
            Fragment::Borrowed(b) => {
                let mut buf = self.spare();
                buf.clear();
                buf.extend_from_slice(b);
                let n = buf.len();
                self.send(Job::Data(buf, 0..n))
            }
        }
    }

    /// Waits until the file is complete and renamed to `path`.
    pub(crate) fn commit(&self, path: PathBuf) -> io::Result<()> {
        self.send(Job::Commit(path))?;
        self.answer()
    }

    /// Waits until the open file is closed and removed.
    pub(crate) fn discard(&self) {
        if self.send(Job::Discard).is_ok() {
            let _ = self.answer();
        }
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some((part, file)) = self.ready.take() {
            drop(file);
            let _ = std::fs::remove_file(part);
        }
    }
}

/// The file being written and the first error met in it.
struct Open {
    file: Option<File>,
    part: PathBuf,
    /// Preamble and file meta, written with the first fragment (one `writev`).
    head: Vec<u8>,
    error: Option<io::Error>,
}

fn writer(jobs: Receiver<Job>, done: Sender<io::Result<()>>, free: Sender<Vec<u8>>) {
    let mut open: Option<Open> = None;
    for job in jobs {
        match job {
            Job::Open { file, part, head } => {
                if let Some(o) = open.take() {
                    remove(o);
                }
                let (file, error) = match file {
                    Ok(f) => (Some(f), None),
                    Err(e) => (None, Some(e)),
                };
                open = Some(Open {
                    file,
                    part,
                    head,
                    error,
                });
            }
            Job::Data(buf, range) => {
                if let Some(o) = open.as_mut()
                    && o.error.is_none()
                    && let Some(f) = o.file.as_mut()
                    && let Err(e) = write_all_vectored(f, &o.head, &buf[range])
                {
                    o.error = Some(e);
                }
                if let Some(o) = open.as_mut() {
                    o.head.clear();
                }
                let _ = free.send(buf);
            }
            Job::Commit(path) => {
                let result = match open.take() {
                    Some(mut o) => match o.error.take().or_else(|| {
                        let f = o.file.as_mut()?;
                        f.write_all(&o.head).err()
                    }) {
                        None => {
                            drop(o.file.take());
                            std::fs::rename(&o.part, &path).inspect_err(|_| remove(o))
                        }
                        Some(e) => {
                            remove(o);
                            Err(e)
                        }
                    },
                    None => Err(io::Error::other("no file was started")),
                };
                if done.send(result).is_err() {
                    break;
                }
            }
            Job::Discard => {
                if let Some(o) = open.take() {
                    remove(o);
                }
                if done.send(Ok(())).is_err() {
                    break;
                }
            }
        }
    }
    if let Some(o) = open.take() {
        remove(o);
    }
}

fn remove(mut o: Open) {
    drop(o.file.take());
    let _ = std::fs::remove_file(&o.part);
}

/// [`receive_instance`] with the file written by the association's writer thread, so that
/// receiving a fragment overlaps writing the one before. A data set in one fragment has
/// nothing to overlap: it is written here, saving the hand-over.
pub(crate) fn receive_spooled(
    assoc: &mut Association,
    ctx: u8,
    rq: &Command,
    dir: &Path,
    n: u64,
    spool: &Spool,
) -> NetResult<Result<Stored, io::Error>> {
    let inc = Incoming::new(assoc, ctx, rq, dir, n);
    let mut head = Vec::with_capacity(512);
    let mut error = file_head(&mut head, &inc.meta).err();
    // Some(result) once the file was written here; None while it goes to the writer.
    let mut whole: Option<io::Result<()>> = None;
    let mut started = false;
    let received = assoc.recv_data_owned(ctx, &mut || spool.spare(), &mut |fragment, last| {
        if error.is_some() {
            return Ok(());
        }
        if !started && last {
            let bytes = match &fragment {
                Fragment::Borrowed(b) => b,
                Fragment::Owned(buf, range) => &buf[range.clone()],
            };
            whole = Some(write_whole(&inc.part, &inc.path, &head, bytes));
            return Ok(());
        }
        if !started {
            started = true;
            if let Err(e) = spool.open(std::mem::take(&mut head)) {
                error = Some(e);
                return Ok(());
            }
        }
        if let Err(e) = spool.data(fragment) {
            error = Some(e);
        }
        Ok(())
    });
    let bytes = match received {
        Ok(b) => b,
        Err(e) => {
            if started {
                spool.discard();
            }
            return Err(e);
        }
    };
    let result = match (error, whole) {
        (Some(e), _) => {
            if started {
                spool.discard();
            }
            Err(e)
        }
        (None, Some(r)) => r,
        (None, None) if started => spool.commit(inc.path.clone()),
        // An empty data set never reached the sink: the file is the head alone.
        (None, None) => write_whole(&inc.part, &inc.path, &head, &[]),
    };
    Ok(result.map(|()| inc.stored(assoc, bytes)))
}

/// Writes `head` then `data` (one `writev` when the kernel takes it all).
fn write_all_vectored(f: &mut File, head: &[u8], data: &[u8]) -> io::Result<()> {
    let mut parts = [IoSlice::new(head), IoSlice::new(data)];
    let mut bufs = &mut parts[..];
    while !bufs.is_empty() {
        match f.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes a whole instance on the caller's thread: `head`, then `data`, into `part` (one
/// `writev`), renamed to `path`; nothing is left behind on failure.
pub(crate) fn write_whole(part: &Path, path: &Path, head: &[u8], data: &[u8]) -> io::Result<()> {
    let result = File::create(part).and_then(|mut f| {
        write_all_vectored(&mut f, head, data)?;
        drop(f);
        std::fs::rename(part, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(part);
    }
    result
}
