//! Verification and Storage SCU: C-ECHO, and C-STORE of an instance in a transfer syntax the
//! peer accepted (as read when it can, else converted with the core's `pixel::transcode`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use rs_dicom::core::{Source, Tag};
use rs_dicom::pixel::transcode::{CompressOptions, compress, decompress};
use rs_dicom::writer::{WriteOptions, write_bare};
use rs_dicom::{Dataset, Limits, TransferSyntax, parse_file};

use crate::assoc::{Association, Context};
use crate::dimse::{self, Command, field, tags};
use crate::error::{NetResult, net_error};
use crate::pdu::PresentationContextRq;

/// An instance to store: its dataset and the syntax it is encoded in.
pub struct Instance {
    /// SOP Class UID.
    pub sop_class: String,
    /// SOP Instance UID.
    pub sop_instance: String,
    /// The transfer syntax of the dataset.
    pub ts: &'static TransferSyntax,
    /// The file meta group (may be empty).
    pub meta: Dataset,
    /// The dataset.
    pub dataset: Dataset,
    /// The dataset's encoded bytes as read (source and start), when they can go on the wire
    /// unchanged in `ts`.
    raw: Option<(Arc<Source>, usize)>,
    /// The file whose bytes from a point to its end are the dataset, unchanged in `ts`, when
    /// only its header was read (`dataset` stops before the pixel data).
    file: Option<FileBytes>,
}

/// Where an instance's encoded dataset is in its file, sent from there with `sendfile`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
struct FileBytes {
    file: std::fs::File,
    path: std::path::PathBuf,
    start: u64,
    len: u64,
}

fn uid_of(ds: &Dataset, tag: Tag) -> Option<String> {
    ds.raw(tag)
        .map(|b| rs_dicom::core::trim_uid(&String::from_utf8_lossy(b)).to_string())
        .filter(|s| !s.is_empty())
}

impl Instance {
    /// An instance read from a Part 10 file (memory-mapped; sent as read when possible).
    pub fn from_file(path: &Path) -> NetResult<Instance> {
        let file = parse_file(path)?;
        let raw = (!file.transfer_syntax.deflated
            && file.encoding == file.transfer_syntax.encoding()
            && !file.stopped_before_pixels)
            .then(|| (file.dataset.source().clone(), file.dataset.offset()));
        let mut inst = Instance::new(file.meta, file.dataset, file.transfer_syntax)?;
        inst.raw = raw;
        Ok(inst)
    }

    /// An instance to send from a Part 10 file: on Linux only its header is read, and the
    /// dataset goes from the file to the socket without entering our memory (`sendfile`),
    /// unless the peer needs it converted (then the file is read whole) or the connection
    /// is encrypted. Elsewhere, [`Instance::from_file`].
    pub fn for_sending(path: &Path) -> NetResult<Instance> {
        if !crate::zerocopy::AVAILABLE {
            return Instance::from_file(path);
        }
        let mut handle = std::fs::File::open(path)
            .map_err(|e| crate::error::io_error(&e, &format!("cannot open {}", path.display())))?;
        let opts = rs_dicom::ReadOptions {
            stop_before_pixels: true,
            ..Default::default()
        };
        let file = rs_dicom::parser::parse_open_file(&mut handle, path, opts)?;
        let len = handle
            .metadata()
            .map_err(|e| crate::error::io_error(&e, &format!("cannot read {}", path.display())))?
            .len();
        let start = file.dataset.offset() as u64;
        let as_is = !file.transfer_syntax.deflated
            && file.encoding == file.transfer_syntax.encoding()
            && start <= len;
        if !as_is {
            return Instance::from_file(path);
        }
        let mut inst = Instance::new(file.meta, file.dataset, file.transfer_syntax)?;
        inst.file = Some(FileBytes {
            file: handle,
            path: path.to_path_buf(),
            start,
            len: len - start,
        });
        Ok(inst)
    }

    /// An instance from a dataset in memory encoded in `ts`.
    pub fn new(
        meta: Dataset,
        dataset: Dataset,
        ts: &'static TransferSyntax,
    ) -> NetResult<Instance> {
        let sop_class = uid_of(&dataset, Tag(0x0008, 0x0016))
            .or_else(|| uid_of(&meta, Tag(0x0002, 0x0002)))
            .ok_or_else(|| net_error("the dataset has no SOP Class UID (0008,0016)"))?;
        let sop_instance = uid_of(&dataset, Tag(0x0008, 0x0018))
            .or_else(|| uid_of(&meta, Tag(0x0002, 0x0003)))
            .ok_or_else(|| net_error("the dataset has no SOP Instance UID (0008,0018)"))?;
        Ok(Instance {
            sop_class,
            sop_instance,
            ts,
            meta,
            dataset,
            raw: None,
            file: None,
        })
    }
}

fn native_fallbacks() -> Vec<String> {
    vec![
        TransferSyntax::EXPLICIT_VR_LE.uid.to_string(),
        TransferSyntax::IMPLICIT_VR_LE.uid.to_string(),
    ]
}

/// The presentation contexts to propose for instances of these (SOP class, transfer syntax)
/// pairs: Verification, each class with each of its syntaxes that is not a native little
/// endian one, and each class with explicit and implicit VR little endian (what anything can
/// be converted to). At most 128; more is an error (send in several associations).
pub fn contexts_for<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'static TransferSyntax)>,
) -> NetResult<Vec<PresentationContextRq>> {
    let mut wanted: Vec<(String, Vec<String>)> = vec![(
        crate::VERIFICATION.to_string(),
        vec![TransferSyntax::IMPLICIT_VR_LE.uid.to_string()],
    )];
    let native = native_fallbacks();
    for (class, ts) in pairs {
        let entries = [
            (!native.iter().any(|n| n == ts.uid)).then(|| vec![ts.uid.to_string()]),
            Some(native.clone()),
        ];
        for syntaxes in entries.into_iter().flatten() {
            if !wanted.iter().any(|(c, s)| c == class && *s == syntaxes) {
                wanted.push((class.to_string(), syntaxes));
            }
        }
    }
    if wanted.len() > 128 {
        return Err(net_error(format!(
            "{} presentation contexts needed, at most 128 fit in one association",
            wanted.len()
        )));
    }
    Ok(wanted
        .into_iter()
        .enumerate()
        .map(
            |(i, (abstract_syntax, transfer_syntaxes))| PresentationContextRq {
                id: (2 * i + 1) as u8,
                abstract_syntax,
                transfer_syntaxes,
            },
        )
        .collect())
}

/// Sends a C-ECHO-RQ and returns the status of the response.
pub fn echo(assoc: &mut Association) -> NetResult<u16> {
    let ctx = assoc
        .contexts()
        .iter()
        .find(|c| c.accepted() && c.abstract_syntax == crate::VERIFICATION)
        .map(|c| c.id)
        .ok_or_else(|| net_error("the peer did not accept the Verification SOP Class"))?;
    let id = assoc.message_id();
    assoc.send_command(ctx, &dimse::echo_rq(id))?;
    response(assoc, field::C_ECHO_RSP, id)
}

fn response(assoc: &mut Association, want: u16, id: u16) -> NetResult<u16> {
    response_or(assoc, want, id, &mut |_| false)
}

/// Waits for the response `want` to message `id`; a command without data set that `other`
/// takes (returns true for) is set aside meanwhile (a C-CANCEL-RQ reaching an SCP while it
/// waits for a C-GET sub-operation's response).
fn response_or(
    assoc: &mut Association,
    want: u16,
    id: u16,
    other: &mut dyn FnMut(&Command) -> bool,
) -> NetResult<u16> {
    let (ctx, rsp) = loop {
        let (ctx, c) = assoc
            .recv_command()?
            .ok_or_else(|| net_error("the peer released the association instead of answering"))?;
        if c.field() == Some(want) || c.has_data_set() || !other(&c) {
            break (ctx, c);
        }
    };
    if rsp.has_data_set() {
        assoc.recv_data(ctx, &mut std::io::sink())?;
    }
    if rsp.field() != Some(want) || rsp.us(tags::RESPONDED_TO) != Some(id) {
        return Err(net_error(format!(
            "unexpected response (command 0x{:04X} to message {:?})",
            rsp.field().unwrap_or(0),
            rsp.us(tags::RESPONDED_TO)
        )));
    }
    rsp.us(tags::STATUS)
        .ok_or_else(|| net_error("the response has no Status (0000,0900)"))
}

/// How an instance goes on the wire: the context, and what to do to its dataset.
enum Plan {
    AsRead(u8),
    Write(u8, &'static TransferSyntax),
    Decompress(u8, &'static TransferSyntax),
    Compress(u8, &'static TransferSyntax),
}

fn plan(contexts: &[Context], inst: &Instance) -> NetResult<Plan> {
    let accepted = || {
        contexts
            .iter()
            .filter(|c| c.accepted() && c.abstract_syntax == inst.sop_class)
            .filter_map(|c| TransferSyntax::from_uid(&c.transfer_syntax).map(|t| (c.id, t)))
    };
    if let Some((id, ts)) = accepted().find(|(_, t)| t.uid == inst.ts.uid) {
        return Ok(if inst.raw.is_some() || inst.file.is_some() {
            Plan::AsRead(id)
        } else {
            Plan::Write(id, ts)
        });
    }
    if let Some((id, ts)) = accepted().find(|(_, t)| !t.encapsulated) {
        return Ok(if inst.ts.encapsulated {
            Plan::Decompress(id, ts)
        } else {
            Plan::Write(id, ts)
        });
    }
    if let Some((id, ts)) = accepted().find(|(_, t)| rs_dicom::pixel::transcode::has_encoder(t)) {
        return Ok(Plan::Compress(id, ts));
    }
    Err(net_error(format!(
        "the peer accepted no presentation context for SOP class {} in {} or a syntax it can \
         be converted to",
        inst.sop_class, inst.ts.name
    )))
}

/// Stores an instance (C-STORE-RQ, its data set, the response): returns the response status.
/// Conversion failures are errors before anything is sent; the association stays usable.
pub fn store(assoc: &mut Association, inst: &Instance) -> NetResult<u16> {
    store_or(assoc, inst, &mut |_| false)
}

/// [`store`], handing the commands other than the response that arrive meanwhile to
/// `other` (see `response_or`).
pub fn store_or(
    assoc: &mut Association,
    inst: &Instance,
    other: &mut dyn FnMut(&Command) -> bool,
) -> NetResult<u16> {
    let id = start_store(assoc, inst)?;
    response_or(assoc, field::C_STORE_RSP, id, other)
}

/// Sends the C-STORE-RQ of an instance and its data set (streamed as read or converted)
/// without waiting for the response: returns the Message ID the response will name. A
/// conversion failure is an error before anything is sent (the association stays open); a
/// failure while sending ends the association.
pub fn start_store(assoc: &mut Association, inst: &Instance) -> NetResult<u16> {
    let plan = plan(assoc.contexts(), inst)?;
    // Only the header was read: a conversion, or TLS, needs the whole dataset.
    let whole;
    let inst = match &inst.file {
        Some(f) if !matches!(plan, Plan::AsRead(_)) || !assoc.can_send_file() => {
            whole = Instance::from_file(&f.path)?;
            &whole
        }
        _ => inst,
    };
    let (ctx, converted, ts) = match plan {
        Plan::AsRead(id) => (id, None, inst.ts),
        Plan::Write(id, ts) => (id, None, ts),
        Plan::Decompress(id, ts) => {
            let (mut ds, mut meta) = (inst.dataset.clone(), inst.meta.clone());
            decompress(&mut ds, &mut meta, inst.ts, true, None, &Limits::default())?;
            (id, Some(ds), ts)
        }
        Plan::Compress(id, ts) => {
            let (mut ds, mut meta) = (inst.dataset.clone(), inst.meta.clone());
            compress(&mut ds, &mut meta, inst.ts, ts, &CompressOptions::default())?;
            (id, Some(ds), ts)
        }
    };
    let id = assoc.message_id();
    let rq = dimse::store_rq(id, &inst.sop_class, &inst.sop_instance);
    if let Err(e) = assoc.send_command(ctx, &rq) {
        return Err(assoc.send_failed(e));
    }
    let sent = send_data(
        assoc,
        ctx,
        ts,
        inst,
        converted.as_ref(),
        matches!(plan, Plan::AsRead(_)),
    );
    if let Err(e) = sent {
        // The peer holds part of a data set: the association cannot go on.
        return Err(assoc.send_failed(e));
    }
    Ok(id)
}

fn send_data(
    assoc: &mut Association,
    ctx: u8,
    ts: &'static TransferSyntax,
    inst: &Instance,
    converted: Option<&Dataset>,
    as_read: bool,
) -> NetResult<()> {
    let mut w = assoc.pdata(ctx, false);
    #[cfg(target_os = "linux")]
    if let (Some(f), None, true) = (&inst.file, converted, as_read) {
        return w
            .send_file(&f.file, f.start, f.len)
            .map_err(|e| crate::error::io_error(&e, "cannot send the data set"));
    }
    match (&inst.raw, converted) {
        (Some((source, start)), None) if as_read => {
            let bytes = source.bytes().get(*start..).unwrap_or(&[]);
            w.write_all(bytes)
                .map_err(|e| crate::error::io_error(&e, "cannot send the data set"))?;
            source.check()?;
        }
        (_, Some(ds)) => {
            write_bare(&mut w, ds, &WriteOptions::new(ts))?;
        }
        _ => {
            write_bare(&mut w, &inst.dataset, &WriteOptions::new(ts))?;
        }
    }
    w.finish()
}

/// A command is a C-STORE-RQ (for the SCP side's dispatch).
pub fn is_store(c: &Command) -> bool {
    c.field() == Some(field::C_STORE_RQ)
}
