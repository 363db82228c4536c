//! Sending many instances: files and datasets spread over several associations in parallel,
//! each association proposing the contexts its instances need (split when more than 128).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use rs_dicom::{ReadOptions, TransferSyntax};

use crate::assoc::{RequestConfig, request};
use crate::error::NetResult;
use crate::pipeline::Pipeline;
use crate::scu::{Instance, contexts_for};

/// One thing to send.
pub enum Item {
    /// A Part 10 file.
    Path(PathBuf),
    /// A dataset in memory.
    Instance(Box<Instance>),
}

/// What happened to one item: the C-STORE status, or why it was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The status the peer answered (None when it was not sent).
    pub status: Option<u16>,
    /// Why it was not sent, or why the association failed during it.
    pub error: Option<String>,
}

impl Outcome {
    fn failed(msg: impl Into<String>) -> Outcome {
        Outcome {
            status: None,
            error: Some(msg.into()),
        }
    }
}

/// The outcome of a request sent whose response did not come.
fn unconfirmed(why: &str) -> Outcome {
    Outcome::failed(format!("not confirmed (sent, no response): {why}"))
}

fn header_of(item: &Item) -> NetResult<(String, &'static TransferSyntax)> {
    match item {
        Item::Instance(i) => Ok((i.sop_class.clone(), i.ts)),
        Item::Path(p) => {
            let opts = ReadOptions {
                stop_before_pixels: true,
                ..Default::default()
            };
            let f = rs_dicom::parser::parse_file_with(p, opts)?;
            let inst = Instance::new(f.meta, f.dataset, f.transfer_syntax)?;
            Ok((inst.sop_class, inst.ts))
        }
    }
}

/// Splits indices into runs whose contexts fit one association.
fn batches(headers: &[(usize, String, &'static TransferSyntax)]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut pairs: Vec<(String, &'static TransferSyntax)> = Vec::new();
    for (i, class, ts) in headers {
        let mut trial = pairs.clone();
        if !trial.iter().any(|(c, t)| c == class && t.uid == ts.uid) {
            trial.push((class.clone(), ts));
        }
        let fits = contexts_for(trial.iter().map(|(c, t)| (c.as_str(), *t))).is_ok();
        if !fits && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            trial = vec![(class.clone(), ts)];
        }
        pairs = trial;
        current.push(*i);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Sends `items` to `addr` over up to `workers` associations at once; `done` is called after
/// each item. Returns one outcome per item, in order; an association that cannot be
/// established is an error (after the other workers finished).
pub fn send_all(
    items: Vec<Item>,
    addr: SocketAddr,
    config: &RequestConfig,
    workers: usize,
    done: &(dyn Fn(usize, &Outcome) + Sync),
) -> NetResult<Vec<Outcome>> {
    let n = items.len();
    let workers = workers.clamp(1, n.max(1));
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; n]);
    let first_error = Mutex::new(None);
    let mut shares: Vec<Vec<(usize, Item)>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        shares[i * workers / n.max(1)].push((i, item));
    }
    let record = |i: usize, o: Outcome| {
        done(i, &o);
        if let Ok(mut all) = outcomes.lock() {
            all[i] = Some(o);
        }
    };
    std::thread::scope(|s| {
        for share in shares {
            let record = &record;
            let first_error = &first_error;
            s.spawn(move || {
                if let Err(e) = send_share(share, addr, config, record)
                    && let Ok(mut f) = first_error.lock()
                {
                    f.get_or_insert(e);
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    let all = outcomes.into_inner().unwrap_or_default();
    Ok(all
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::failed("not sent")))
        .collect())
}

fn send_share(
    share: Vec<(usize, Item)>,
    addr: SocketAddr,
    config: &RequestConfig,
    record: &(dyn Fn(usize, Outcome) + Sync),
) -> NetResult<()> {
    // Headers first (pixel data untouched), so that the contexts can be proposed.
    let mut headers = Vec::new();
    for (slot, (i, item)) in share.iter().enumerate() {
        match header_of(item) {
            Ok((class, ts)) => headers.push((slot, class, ts)),
            Err(e) => record(*i, Outcome::failed(e.to_string())),
        }
    }
    for batch in batches(&headers) {
        let pairs: Vec<(&str, &'static TransferSyntax)> = headers
            .iter()
            .filter(|h| batch.contains(&h.0))
            .map(|h| (h.1.as_str(), h.2))
            .collect();
        let contexts = contexts_for(pairs)?;
        let assoc = request(addr, config, contexts)?;
        // Files are read one step ahead on another thread: the next data set is in memory
        // when the response to this one comes, so the peer does not wait for our disk.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Loaded>(1);
        let share = &share;
        let order = batch.clone();
        std::thread::scope(|s| {
            s.spawn(move || {
                for slot in order {
                    let loaded = match &share[slot].1 {
                        Item::Path(p) => Some(Instance::for_sending(p)),
                        Item::Instance(_) => None,
                    };
                    if tx.send(loaded).is_err() {
                        break;
                    }
                }
            });
            send_batch(share, &batch, rx, assoc, record)
        })?;
    }
    Ok(())
}

/// A file read ahead (`None` for an item that is a dataset already).
type Loaded = Option<NetResult<Instance>>;

/// Sends the items of `batch` (slots of `share`, their files read ahead into `loaded` in
/// the same order) on `assoc`, then releases it.
fn send_batch(
    share: &[(usize, Item)],
    batch: &[usize],
    loaded: std::sync::mpsc::Receiver<Loaded>,
    mut assoc: crate::assoc::Association,
    record: &(dyn Fn(usize, Outcome) + Sync),
) -> NetResult<()> {
    let mut pipeline = Pipeline::new(&assoc);
    let mut answered = |i: usize, status: u16| {
        let o = Outcome {
            status: Some(status),
            error: None,
        };
        record(i, o);
    };
    let mut broken: Option<String> = None;
    for &slot in batch {
        let (i, item) = &share[slot];
        if let Some(why) = &broken {
            record(*i, Outcome::failed(format!("not sent: {why}")));
            continue;
        }
        // After a failure nothing more is taken: the reader stops when `loaded` is dropped.
        let next = loaded.recv().ok().flatten();
        let owned;
        let inst = match (item, next) {
            (Item::Instance(inst), _) => inst.as_ref(),
            (Item::Path(_), Some(Ok(inst))) => {
                owned = inst;
                &owned
            }
            (Item::Path(_), Some(Err(e))) => {
                record(*i, Outcome::failed(e.to_string()));
                continue;
            }
            (Item::Path(_), None) => {
                record(*i, Outcome::failed("not sent: the file was not read"));
                continue;
            }
        };
        let sent = match pipeline.make_room(&mut assoc, &mut answered) {
            Ok(()) => pipeline.submit(&mut assoc, inst, *i, &mut answered),
            Err(e) => {
                broken = Some(format!("association failed: {}", e.message));
                record(*i, Outcome::failed(format!("not sent: {}", e.message)));
                Ok(())
            }
        };
        if let Err(e) = sent {
            if !assoc.is_open() {
                broken = Some(format!("association failed: {}", e.message));
            }
            // Sent and failed waiting for responses: reported with the others.
            if !pipeline.unconfirmed().contains(i) {
                record(*i, Outcome::failed(e.to_string()));
            }
        }
        if let Some(why) = &broken {
            for k in pipeline.unconfirmed() {
                record(k, unconfirmed(why));
            }
            pipeline = Pipeline::with_limit(1);
        }
    }
    if broken.is_none()
        && let Err(e) = pipeline.finish(&mut assoc, &mut answered)
    {
        let why = format!("association failed: {}", e.message);
        for k in pipeline.unconfirmed() {
            record(k, unconfirmed(&why));
        }
    }
    if assoc.is_open() {
        assoc.release()?;
    }
    Ok(())
}
