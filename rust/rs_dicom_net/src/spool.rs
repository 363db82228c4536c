//! Writing received instances on a second thread per association: while the writer puts
//! one fragment of a data set into its file, the association's thread receives the next.
//! Fragments travel as the PDU buffers they were received into (no copy), through a bounded
//! queue, so memory stays at a few PDUs however large the instance; the buffers come back
//! for the next PDUs. The C-STORE response still waits for the writer: it has written the
//! whole file and renamed it into place (or failed, and removed it).
//!
//! That is the path over TLS and off Linux. On plain TCP (Linux) a fragment's bulk does not
//! even enter our buffers: the association's thread splices it from the socket through a
//! pipe into the file (see `spliced`), and the writer thread stays idle. Either way, part
//! files are created ahead on another thread (see `parts`).

use std::cell::OnceCell;
use std::fs::File;
use std::io::{self, IoSlice, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use crate::assoc::{Association, Fragment};
use crate::dimse::Command;
use crate::error::NetResult;
use crate::incoming::{Incoming, Stored};
use crate::parts::{Part, Parts};

/// Jobs queued at most: each holds one PDU (at most our maximum PDU length).
const QUEUE: usize = 4;

enum Job {
    /// Starts a file, already created as `part`, that begins with `head` (preamble and file
    /// meta).
    Open {
        part: io::Result<Part>,
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
    /// Part files created ahead, once a file went through the writer (small instances
    /// never use it).
    parts: OnceCell<Option<Parts>>,
    jobs: Option<SyncSender<Job>>,
    done: Receiver<io::Result<()>>,
    free: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
    /// The pipe fragments are spliced through (both ends), when there is one.
    #[cfg(target_os = "linux")]
    pub(crate) pipe: Option<(crate::zerocopy::Pipe, File)>,
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
            parts: OnceCell::new(),
            jobs: Some(jobs),
            done,
            free,
            thread: Some(thread),
            #[cfg(target_os = "linux")]
            pipe: crate::zerocopy::Pipe::new().ok(),
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

    /// Starts a file with `head`: one created ahead, or a new one.
    pub(crate) fn open(&self, head: Vec<u8>) -> io::Result<()> {
        let part = self.new_part();
        self.send(Job::Open { part, head })
    }

    /// A part file: one created ahead, or a new one (the first time, which starts the
    /// creation ahead).
    pub(crate) fn new_part(&self) -> io::Result<Part> {
        let mut first = false;
        let parts = self.parts.get_or_init(|| {
            first = true;
            Parts::start(&self.dir).ok()
        });
        let ready = if first {
            None
        } else {
            parts.as_ref().and_then(Parts::next)
        };
        match ready {
            Some(part) => Ok(part),
            None => Part::create(&self.dir, false),
        }
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
    }
}

/// The file being written and the first error met in it.
struct Open {
    part: Option<Part>,
    /// Preamble and file meta, written with the first fragment (one `writev`).
    head: Vec<u8>,
    error: Option<io::Error>,
}

fn writer(jobs: Receiver<Job>, done: Sender<io::Result<()>>, free: Sender<Vec<u8>>) {
    let mut open: Option<Open> = None;
    for job in jobs {
        match job {
            Job::Open { part, head } => {
                if let Some(o) = open.take() {
                    remove(o);
                }
                let (part, error) = match part {
                    Ok(p) => (Some(p), None),
                    Err(e) => (None, Some(e)),
                };
                open = Some(Open { part, head, error });
            }
            Job::Data(buf, range) => {
                if let Some(o) = open.as_mut()
                    && o.error.is_none()
                    && let Some(p) = o.part.as_mut()
                    && let Err(e) = write_all_vectored(&mut p.file, &o.head, &buf[range])
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
                        let p = o.part.as_mut()?;
                        p.file.write_all(&o.head).err()
                    }) {
                        None => match o.part.take() {
                            Some(p) => p.publish(&path),
                            None => Err(io::Error::other("no file was started")),
                        },
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

fn remove(o: Open) {
    if let Some(p) = o.part {
        p.remove();
    }
}

/// What has become of a received instance's file so far.
struct Receiving<'a> {
    spool: &'a Spool,
    inc: Incoming,
    /// Preamble and file meta, until the file is started.
    head: Vec<u8>,
    error: Option<io::Error>,
    /// Some(result) once the file was written on this thread; None while it goes to the
    /// writer.
    whole: Option<io::Result<()>>,
    started: bool,
}

impl Receiving<'_> {
    /// Starts the file in the writer, unless that was done.
    fn start(&mut self) {
        if !self.started {
            self.started = true;
            if let Err(e) = self.spool.open(std::mem::take(&mut self.head)) {
                self.error.get_or_insert(e);
            }
        }
    }

    /// A fragment received into memory.
    fn fragment(&mut self, fragment: Fragment<'_>, last: bool) {
        if self.error.is_some() {
            return;
        }
        if !self.started && last {
            let bytes = match &fragment {
                Fragment::Borrowed(b) => b,
                Fragment::Owned(buf, range) => &buf[range.clone()],
            };
            let inc = &self.inc;
            self.whole = Some(write_whole(&inc.part, &inc.path, &self.head, bytes));
            return;
        }
        self.start();
        if self.error.is_none()
            && let Err(e) = self.spool.data(fragment)
        {
            self.error = Some(e);
        }
    }

    /// The result of the transfer (`received`) and of the file.
    fn finish(
        self,
        assoc: &Association,
        received: NetResult<u64>,
    ) -> NetResult<Result<Stored, io::Error>> {
        let bytes = match received {
            Ok(b) => b,
            Err(e) => {
                if self.started {
                    self.spool.discard();
                }
                return Err(e);
            }
        };
        let result = match (self.error, self.whole) {
            (Some(e), _) => {
                if self.started {
                    self.spool.discard();
                }
                Err(e)
            }
            (None, Some(r)) => r,
            (None, None) if self.started => self.spool.commit(self.inc.path.clone()),
            // An empty data set never reached the sink: the file is the head alone.
            (None, None) => write_whole(&self.inc.part, &self.inc.path, &self.head, &[]),
        };
        Ok(result.map(|()| self.inc.stored(assoc, bytes)))
    }
}

/// [`receive_instance`] with the file written by the association's writer thread, so that
/// receiving a fragment overlaps writing the one before. A data set in one fragment has
/// nothing to overlap: it is written here, saving the hand-over. (On plain TCP, Linux, the
/// caller splices instead: `spliced::receive_spliced`.)
///
/// [`receive_instance`]: crate::scp::receive_instance
pub(crate) fn receive_spooled(
    assoc: &mut Association,
    ctx: u8,
    rq: &Command,
    dir: &Path,
    n: u64,
    spool: &Spool,
) -> NetResult<Result<Stored, io::Error>> {
    let inc = Incoming::new(assoc, ctx, rq, dir, n);
    let (head, error) = inc.head();
    let mut r = Receiving {
        spool,
        inc,
        head,
        error,
        whole: None,
        started: false,
    };
    let received = assoc.recv_data_owned(ctx, &mut || spool.spare(), &mut |fragment, last| {
        r.fragment(fragment, last);
        Ok(())
    });
    r.finish(assoc, received)
}

/// Writes `head` then `data` (one `writev` when the kernel takes it all).
pub(crate) fn write_all_vectored(f: &mut File, head: &[u8], data: &[u8]) -> io::Result<()> {
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
