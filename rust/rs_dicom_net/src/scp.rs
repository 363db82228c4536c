//! Verification and Storage SCP: a listening thread, a thread per association, each
//! received data set streamed into a Part 10 file (file meta written first, then the data
//! set's fragments as they arrive) and renamed into place when complete.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rs_dicom::Dataset;

use crate::assoc::{AcceptConfig, Accepted, Association, accept, reject_busy, window};
use crate::dimse::{self, Command, field};
use crate::error::{NetResult, io_error, net_error};
pub use crate::incoming::Stored;
use crate::incoming::{Incoming, file_head};
use crate::spool::{Spool, receive_spooled};

/// DIMSE statuses used here (PS3.7 C, PS3.4 B.2.3).
pub mod status {
    /// Success.
    pub const SUCCESS: u16 = 0x0000;
    /// Refused: out of resources.
    pub const OUT_OF_RESOURCES: u16 = 0xA700;
    /// Error: cannot understand.
    pub const CANNOT_UNDERSTAND: u16 = 0xC000;
    /// Refused: SOP class not supported.
    pub const SOP_CLASS_NOT_SUPPORTED: u16 = 0x0122;
    /// Unrecognized operation.
    pub const UNRECOGNIZED_OPERATION: u16 = 0x0211;
}

/// The asynchronous operations window a storage SCP grants by default: enough to hide the
/// round trip of small files on a LAN; more only holds more responses back.
pub const DEFAULT_ASYNC_OPS: u16 = 16;

/// Called for every stored instance; returns the C-STORE status to answer.
pub trait StoreHandler: Send + Sync {
    /// The instance is in `stored.path`; the handler may move or delete it.
    fn stored(&self, stored: &Stored) -> u16;
}

/// A DIMSE service beyond Verification and Storage (e.g. Query/Retrieve): it answers the
/// commands it handles itself, reading their data sets and sending every response.
pub trait Service: Send + Sync {
    /// The service answers this Command Field.
    fn handles(&self, field: u16) -> bool;
    /// Serves one request received on context `ctx`.
    fn serve(&self, assoc: &mut Association, ctx: u8, rq: &Command) -> NetResult<()>;
}

/// How the server runs.
#[derive(Clone)]
pub struct ServerConfig {
    /// Association negotiation.
    pub accept: AcceptConfig,
    /// Where received instances are written.
    pub directory: PathBuf,
    /// Associations served at once; more requests are rejected (transient, local limit
    /// exceeded).
    pub max_associations: usize,
    /// Another service (Query/Retrieve), asked first for each command.
    pub service: Option<Arc<dyn Service>>,
}

impl ServerConfig {
    /// A Verification and Storage SCP writing into `directory`.
    pub fn storage(directory: impl Into<PathBuf>) -> ServerConfig {
        let accept = AcceptConfig {
            max_async_ops: DEFAULT_ASYNC_OPS,
            abstract_syntaxes: Arc::new(|uid| {
                uid == crate::VERIFICATION || crate::is_storage_sop_class(uid)
            }),
            ..AcceptConfig::default()
        };
        ServerConfig {
            accept,
            directory: directory.into(),
            max_associations: 64,
            service: None,
        }
    }
}

/// Counters of what the server did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Associations established.
    pub associations: AtomicU64,
    /// Associations rejected or failed before they were established.
    pub refused: AtomicU64,
    /// Instances stored.
    pub stored: AtomicU64,
    /// Instances that could not be stored.
    pub failed: AtomicU64,
    /// Associations that ended with an error (aborts, timeouts, protocol errors).
    pub errors: AtomicU64,
}

struct Shared {
    config: ServerConfig,
    handler: Option<Arc<dyn StoreHandler>>,
    stop: AtomicBool,
    active: AtomicUsize,
    /// Connections being answered with a transient rejection.
    rejecting: AtomicUsize,
    conns: Mutex<HashMap<u64, TcpStream>>,
    stats: Stats,
    next: AtomicU64,
}

/// A running SCP; stopped by [`Server::stop`] or when dropped.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `bind` and serves in the background.
    pub fn start(
        bind: impl ToSocketAddrs,
        config: ServerConfig,
        handler: Option<Arc<dyn StoreHandler>>,
    ) -> NetResult<Server> {
        std::fs::create_dir_all(&config.directory)
            .map_err(|e| io_error(&e, &format!("cannot create {}", config.directory.display())))?;
        let listener = TcpListener::bind(bind).map_err(|e| io_error(&e, "cannot listen"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| io_error(&e, "cannot listen"))?;
        let shared = Arc::new(Shared {
            config,
            handler,
            stop: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            rejecting: AtomicUsize::new(0),
            conns: Mutex::new(HashMap::new()),
            stats: Stats::default(),
            next: AtomicU64::new(0),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("rs_dicom-scp".into())
            .spawn(move || accept_loop(listener, s))
            .map_err(|e| io_error(&e, "cannot start the server thread"))?;
        Ok(Server {
            addr,
            shared,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server did so far.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Stops listening, closes the open associations and waits for their threads.
    pub fn stop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let _ = TcpStream::connect_timeout(&wake, std::time::Duration::from_secs(1));
        if let Ok(conns) = self.shared.conns.lock() {
            for c in conns.values() {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
        let _ = thread.join();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        threads.retain(|t| !t.is_finished());
        let Ok(stream) = conn else { continue };
        let limit = shared.config.max_associations;
        if shared.active.load(Ordering::SeqCst) < limit {
            spawn_tracked(
                &shared,
                stream,
                &mut threads,
                |s| &s.active,
                serve_connection,
            );
        } else if shared.rejecting.load(Ordering::SeqCst) < limit {
            // Over the limit: answered with a transient A-ASSOCIATE-RJ by a short-lived thread
            // (bounded too), so the requestor learns why and may retry.
            shared.stats.refused.fetch_add(1, Ordering::Relaxed);
            let busy = |stream: TcpStream, s: &Shared| {
                let _ = reject_busy(stream, &s.config.accept);
            };
            spawn_tracked(&shared, stream, &mut threads, |s| &s.rejecting, busy);
        } else {
            shared.stats.refused.fetch_add(1, Ordering::Relaxed);
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
    if let Ok(conns) = shared.conns.lock() {
        for c in conns.values() {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
    for t in threads {
        let _ = t.join();
    }
}

/// Runs `work` on the connection in a new thread, counted in `count` and registered so that
/// [`Server::stop`] can close it.
fn spawn_tracked(
    shared: &Arc<Shared>,
    stream: TcpStream,
    threads: &mut Vec<JoinHandle<()>>,
    count: fn(&Shared) -> &AtomicUsize,
    work: fn(TcpStream, &Shared),
) {
    let id = shared.next.fetch_add(1, Ordering::Relaxed);
    if let (Ok(clone), Ok(mut conns)) = (stream.try_clone(), shared.conns.lock()) {
        conns.insert(id, clone);
    }
    count(shared).fetch_add(1, Ordering::SeqCst);
    let s = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("rs_dicom-assoc".into())
        .spawn(move || {
            work(stream, &s);
            if let Ok(mut conns) = s.conns.lock() {
                conns.remove(&id);
            }
            count(&s).fetch_sub(1, Ordering::SeqCst);
        });
    match spawned {
        Ok(t) => threads.push(t),
        Err(_) => {
            count(shared).fetch_sub(1, Ordering::SeqCst);
            if let Ok(mut conns) = shared.conns.lock()
                && let Some(c) = conns.remove(&id)
            {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let stats = &shared.stats;
    let mut assoc = match accept(stream, &shared.config.accept) {
        Ok(Accepted::Association(a)) => a,
        Ok(Accepted::Rejected(_)) | Err(_) => {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    stats.associations.fetch_add(1, Ordering::Relaxed);
    if serve(&mut assoc, shared).is_err() {
        stats.errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Serves the association's requests. Within an asynchronous operations window wider than
/// one, C-STORE responses are held while the peer's next requests are already waiting and
/// sent when it pauses (it has filled its window, or has nothing more): so a peer that sends
/// a request beyond the window before reading the responses it needed is seen, and aborted.
fn serve(assoc: &mut Association, shared: &Shared) -> NetResult<()> {
    let invoked = assoc.async_ops().0;
    let mut held: Vec<(u8, Command)> = Vec::new();
    // The association's writer thread, started with its first C-STORE.
    let mut spool: Option<Spool> = None;
    loop {
        let full = held.len() >= window::outstanding_limit(invoked);
        if !held.is_empty() && (invoked == 1 || (full && invoked == 0) || !assoc.input_ready()?) {
            send_held(assoc, &mut held)?;
        }
        let Some((ctx, rq)) = assoc.recv_command()? else {
            break;
        };
        let operation = rq.field().is_some_and(|f| f & 0x8000 == 0 && f != CANCEL);
        if operation && invoked != 0 && held.len() >= usize::from(invoked) {
            assoc.abort_in_place();
            return Err(net_error(format!(
                "the peer invoked more than {invoked} operations at once, the negotiated \
                 asynchronous operations window (aborted)"
            )));
        }
        if let (Some(svc), Some(f)) = (&shared.config.service, rq.field())
            && svc.handles(f)
        {
            send_held(assoc, &mut held)?;
            svc.serve(assoc, ctx, &rq)?;
            continue;
        }
        let (status, comment) = match rq.field() {
            Some(field::C_ECHO_RQ) => (status::SUCCESS, None),
            Some(field::C_STORE_RQ) => store_one(assoc, shared, &mut spool, ctx, &rq)?,
            _ => {
                if rq.has_data_set() {
                    assoc.recv_data(ctx, &mut io::sink())?;
                }
                (status::UNRECOGNIZED_OPERATION, None)
            }
        };
        held.push((ctx, dimse::response(&rq, status, comment.as_deref())));
    }
    Ok(())
}

/// C-CANCEL-RQ: it asks to end an operation, it is not one.
const CANCEL: u16 = 0x0FFF;

/// Sends the responses held, in the order of their requests.
fn send_held(assoc: &mut Association, held: &mut Vec<(u8, Command)>) -> NetResult<()> {
    for (ctx, rsp) in held.drain(..) {
        assoc.send_command(ctx, &rsp)?;
    }
    Ok(())
}

/// A sink that keeps draining after a write error (or with no file at all), so that the
/// association survives a full disk; the first error is kept.
struct Tolerant {
    inner: Option<BufWriter<File>>,
    error: Option<io::Error>,
}

impl Write for Tolerant {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(w) = self.inner.as_mut()
            && self.error.is_none()
            && let Err(e) = w.write_all(buf)
        {
            self.error = Some(e);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn open_part(path: &Path, meta: &Dataset) -> io::Result<BufWriter<File>> {
    let mut out = BufWriter::with_capacity(256 * 1024, File::create(path)?);
    file_head(&mut out, meta)?;
    Ok(out)
}

type Answer = (u16, Option<String>);

fn store_one(
    assoc: &mut Association,
    shared: &Shared,
    spool: &mut Option<Spool>,
    ctx: u8,
    rq: &Command,
) -> NetResult<Answer> {
    if assoc.context(ctx).is_none() {
        assoc.recv_data(ctx, &mut io::sink())?;
        return Ok((
            status::SOP_CLASS_NOT_SUPPORTED,
            Some("no such presentation context".into()),
        ));
    }
    let n = shared.next.fetch_add(1, Ordering::Relaxed);
    if spool.is_none() {
        // Without a thread (none could be started) the instance is written here.
        *spool = Spool::start(&shared.config.directory).ok();
    }
    let dir = &shared.config.directory;
    let received = match spool {
        #[cfg(target_os = "linux")]
        Some(sp) if assoc.can_splice() => {
            crate::spliced::receive_spliced(assoc, ctx, rq, dir, n, sp)?
        }
        Some(sp) => receive_spooled(assoc, ctx, rq, dir, n, sp)?,
        None => receive_instance(assoc, ctx, rq, dir, n)?,
    };
    let stored = match received {
        Ok(s) => s,
        Err(e) => {
            shared.stats.failed.fetch_add(1, Ordering::Relaxed);
            return Ok((status::OUT_OF_RESOURCES, Some(format!("cannot store: {e}"))));
        }
    };
    let st = match &shared.handler {
        Some(h) => h.stored(&stored),
        None => status::SUCCESS,
    };
    shared.stats.stored.fetch_add(1, Ordering::Relaxed);
    Ok((st, None))
}

/// Receives the data set of the C-STORE-RQ `rq` on context `ctx` into a Part 10 file in
/// `dir` (streamed into a part file, renamed into place when complete; `n` makes the part
/// file's name unique). `Err`: the association failed; `Ok(Err)`: the file could not be
/// written (the data set was still drained, so the association goes on).
pub(crate) fn receive_instance(
    assoc: &mut Association,
    ctx: u8,
    rq: &Command,
    dir: &Path,
    n: u64,
) -> NetResult<Result<Stored, io::Error>> {
    let inc = Incoming::new(assoc, ctx, rq, dir, n);
    let (part, path) = (&inc.part, &inc.path);
    let (sink, mut error) = match open_part(part, &inc.meta) {
        Ok(w) => (Some(w), None),
        Err(e) => (None, Some(e)),
    };
    let mut tolerant = Tolerant {
        inner: sink,
        error: None,
    };
    let received = assoc.recv_data(ctx, &mut tolerant);
    let bytes = match received {
        Ok(b) => b,
        Err(e) => {
            drop(tolerant);
            let _ = std::fs::remove_file(part);
            return Err(e);
        }
    };
    error = error.or(tolerant.error.take());
    if error.is_none()
        && let Some(w) = tolerant.inner.take()
        && let Err(e) = w
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|_| std::fs::rename(part, path))
    {
        error = Some(e);
    }
    if let Some(e) = error {
        let _ = std::fs::remove_file(part);
        return Ok(Err(e));
    }
    Ok(Ok(inc.stored(assoc, bytes)))
}
