//! The Query/Retrieve SCP: C-FIND, C-GET and C-MOVE answered from an [`Index`], served by
//! the storage SCP ([`crate::scp::Server`]) as an extra [`Service`]; instances it stores are
//! added to the index, so it is a small PACS.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rs_dicom::{Dataset, TransferSyntax};

use super::command::{Counts, field, qr_response, status};
use super::index::{Index, Record};
use super::{FAILED_SOP_LIST, Level, Model, QR_SOP_CLASSES, QUERY_RETRIEVE_LEVEL};
use super::{recv_identifier, send_message, set_text, text_of};
use crate::assoc::{Association, RequestConfig, request};
use crate::dimse::{Command, tags};
use crate::error::NetResult;
use crate::scp::{ServerConfig, Service, StoreHandler, Stored};
use crate::scu::{Instance, contexts_for, store, store_or};
use crate::tls::TlsClient;

/// What the Q/R SCP knows beyond its index.
pub struct QrService {
    /// The index answered from.
    pub index: Arc<Index>,
    /// Our AE title (Retrieve AE Title in responses, calling AE title of C-MOVE's
    /// associations).
    pub ae_title: String,
    /// C-MOVE destinations: AE title → address.
    pub destinations: HashMap<String, SocketAddr>,
    /// TLS for the sub-association to a destination (by AE title); absent: plain TCP.
    pub destination_tls: HashMap<String, TlsClient>,
}

impl QrService {
    fn find(&self, assoc: &mut Association, ctx: u8, rq: &Command, q: &Dataset) -> NetResult<()> {
        let (model, level) = match model_and_level(rq, q) {
            Ok(ml) => ml,
            Err(st) => return assoc.send_command(ctx, &qr_response(rq, st, false, None)),
        };
        let matches = self.index.find(model, level, q, &self.ae_title);
        send_matches(
            assoc,
            ctx,
            rq,
            matches.into_iter().map(|m| (m, status::PENDING)),
        )
    }

    fn retrieve(
        &self,
        assoc: &mut Association,
        ctx: u8,
        rq: &Command,
        q: &Dataset,
    ) -> NetResult<()> {
        let (model, level) = match model_and_level(rq, q) {
            Ok(ml) => ml,
            Err(st) => return assoc.send_command(ctx, &qr_response(rq, st, false, None)),
        };
        let counts = Counts::default();
        let refuse = |assoc: &mut Association, st: u16| {
            assoc.send_command(ctx, &qr_response(rq, st, false, Some(counts)))
        };
        let records = self.index.retrieve(model, level, q);
        let Ok(total) = u16::try_from(records.len()) else {
            return refuse(assoc, status::CANNOT_SUB_OP);
        };
        if rq.field() == Some(field::C_GET_RQ) {
            return self.sub_operations(assoc, None, ctx, rq, &records, total);
        }
        let dest = rq
            .text(super::command::MOVE_DESTINATION)
            .unwrap_or_default();
        let Some(addr) = self.destinations.get(dest.trim()) else {
            return refuse(assoc, status::MOVE_DESTINATION_UNKNOWN);
        };
        if records.is_empty() {
            return refuse(assoc, status::SUCCESS);
        }
        let pairs: Vec<(&str, &'static TransferSyntax)> = records
            .iter()
            .map(|r| {
                let ts = TransferSyntax::from_uid(&r.transfer_syntax)
                    .unwrap_or(TransferSyntax::EXPLICIT_VR_LE);
                (r.sop_class.as_str(), ts)
            })
            .collect();
        let config = RequestConfig {
            calling_ae: self.ae_title.clone(),
            called_ae: dest.trim().to_string(),
            tls: self.destination_tls.get(dest.trim()).cloned(),
            ..RequestConfig::default()
        };
        let target = contexts_for(pairs).and_then(|c| request(*addr, &config, c));
        let Ok(mut target) = target else {
            return refuse(assoc, status::CANNOT_SUB_OP);
        };
        let done = self.sub_operations(assoc, Some(&mut target), ctx, rq, &records, total);
        if target.is_open() {
            let _ = target.release();
        }
        done
    }

    /// C-STORE of each record, on `target` (C-MOVE) or on the requesting association itself
    /// (C-GET), with a pending response after each and the final one at the end.
    fn sub_operations(
        &self,
        assoc: &mut Association,
        mut target: Option<&mut Association>,
        ctx: u8,
        rq: &Command,
        records: &[Arc<Record>],
        total: u16,
    ) -> NetResult<()> {
        let mut n = Counts {
            remaining: total,
            ..Counts::default()
        };
        let mut failed: Vec<&str> = Vec::new();
        let mut cancelled = false;
        let id = rq.us(tags::MESSAGE_ID);
        for r in records {
            if cancelled || cancel_requested(assoc, rq)? {
                cancelled = true;
                break;
            }
            // A C-CANCEL-RQ may come while a C-GET sub-operation waits for its response.
            let mut on_cancel = |c: &Command| {
                let ours = c.field() == Some(field::C_CANCEL_RQ) && c.us(tags::RESPONDED_TO) == id;
                cancelled |= ours;
                ours
            };
            let stored = Instance::for_sending(&r.path).and_then(|inst| match target.as_mut() {
                Some(t) => store(t, &inst),
                None => store_or(assoc, &inst, &mut on_cancel),
            });
            if !assoc.is_open() {
                return Err(crate::net_error("the association failed during C-GET"));
            }
            n.remaining -= 1;
            match stored {
                Ok(0) => n.completed += 1,
                Ok(s) if s == 1 || (0xB000..=0xBFFF).contains(&s) => n.warning += 1,
                _ => {
                    n.failed += 1;
                    failed.push(&r.sop_instance);
                }
            }
            if n.remaining > 0 && !cancelled {
                assoc.send_command(ctx, &qr_response(rq, status::PENDING, false, Some(n)))?;
            }
        }
        if cancelled {
            failed.extend(
                records
                    .iter()
                    .rev()
                    .take(n.remaining.into())
                    .map(|r| r.sop_instance.as_str()),
            );
        }
        let st = if cancelled {
            status::CANCEL
        } else if n.failed > 0 || n.warning > 0 {
            status::SUB_OPS_WARNING
        } else {
            status::SUCCESS
        };
        let identifier = (!failed.is_empty()).then(|| {
            let mut ds = Dataset::new();
            set_text(
                &mut ds,
                FAILED_SOP_LIST,
                rs_dicom::VR::UI,
                &failed.join("\\"),
            );
            ds
        });
        send_message(
            assoc,
            ctx,
            &qr_response(rq, st, identifier.is_some(), Some(n)),
            identifier.as_ref(),
        )
    }
}

/// A C-CANCEL-RQ for `rq` arrived. Another request is kept for after this operation when the
/// asynchronous operations window allows more than one (PS3.7 D.3.3.3), else it is a protocol
/// error.
pub(crate) fn cancel_requested(assoc: &mut Association, rq: &Command) -> NetResult<bool> {
    if assoc.has_deferred() {
        // The next bytes may be its data set: no C-CANCEL-RQ can be seen before it.
        return Ok(false);
    }
    match assoc.poll_command()? {
        None => Ok(false),
        Some((_, c)) if c.field() == Some(field::C_CANCEL_RQ) => {
            Ok(c.us(tags::RESPONDED_TO) == rq.us(tags::MESSAGE_ID))
        }
        Some((ctx, c)) if assoc.async_ops().0 != 1 => {
            assoc.defer(ctx, c);
            Ok(false)
        }
        Some((_, c)) => {
            assoc.abort_in_place();
            Err(crate::net_error(format!(
                "command 0x{:04X} during an operation (asynchronous operations were not \
                 negotiated)",
                c.field().unwrap_or(0)
            )))
        }
    }
}

/// Sends each C-FIND match with its pending status, then the final response (cancelled
/// when a C-CANCEL-RQ came in between).
pub(crate) fn send_matches(
    assoc: &mut Association,
    ctx: u8,
    rq: &Command,
    matches: impl IntoIterator<Item = (Dataset, u16)>,
) -> NetResult<()> {
    for (m, pending) in matches {
        if cancel_requested(assoc, rq)? {
            return assoc.send_command(ctx, &qr_response(rq, status::CANCEL, false, None));
        }
        send_message(assoc, ctx, &qr_response(rq, pending, true, None), Some(&m))?;
    }
    assoc.send_command(ctx, &qr_response(rq, status::SUCCESS, false, None))
}

/// Receives the identifier of `rq`; when it cannot be parsed, answers "unable to process"
/// with why and returns None (the association goes on).
pub(crate) fn recv_query(
    assoc: &mut Association,
    ctx: u8,
    rq: &Command,
) -> NetResult<Option<Dataset>> {
    match recv_identifier(assoc, ctx)? {
        Ok(q) => Ok(Some(q)),
        Err(e) => {
            let mut rsp = qr_response(rq, status::UNABLE_TO_PROCESS, false, None);
            let msg: String = e.to_string().chars().take(64).collect();
            rsp.set_text(tags::ERROR_COMMENT, rs_dicom::VR::LO, &msg);
            assoc.send_command(ctx, &rsp)?;
            Ok(None)
        }
    }
}

/// The model of the request's SOP class and the identifier's level, or the status refusing
/// them.
fn model_and_level(rq: &Command, q: &Dataset) -> Result<(Model, Level), u16> {
    let class = rq.text(tags::AFFECTED_SOP_CLASS).unwrap_or_default();
    let model = Model::of(&class).ok_or(status::IDENTIFIER_MISMATCH)?;
    let level = text_of(q, QUERY_RETRIEVE_LEVEL)
        .and_then(|l| Level::parse(&l))
        .ok_or(status::IDENTIFIER_MISMATCH)?;
    if !model.allows(level) {
        return Err(status::IDENTIFIER_MISMATCH);
    }
    Ok((model, level))
}

impl Service for QrService {
    fn handles(&self, f: u16) -> bool {
        matches!(
            f,
            field::C_FIND_RQ | field::C_GET_RQ | field::C_MOVE_RQ | field::C_CANCEL_RQ
        )
    }

    fn serve(&self, assoc: &mut Association, ctx: u8, rq: &Command) -> NetResult<()> {
        if rq.field() == Some(field::C_CANCEL_RQ) {
            // The operation it cancels is over: nothing to answer (PS3.7 9.3.2.3).
            return Ok(());
        }
        let Some(q) = recv_query(assoc, ctx, rq)? else {
            return Ok(());
        };
        match rq.field() {
            Some(field::C_FIND_RQ) => self.find(assoc, ctx, rq, &q),
            _ => self.retrieve(assoc, ctx, rq, &q),
        }
    }
}

/// Adds what the storage SCP stored to the index, then calls the user's handler.
pub struct Indexing {
    /// The index.
    pub index: Arc<Index>,
    /// The handler given by the user, if any.
    pub inner: Option<Arc<dyn StoreHandler>>,
}

impl StoreHandler for Indexing {
    fn stored(&self, s: &Stored) -> u16 {
        let st = self.inner.as_ref().map_or(0, |h| h.stored(s));
        // The handler may have moved or deleted the file: index what is still there. A file
        // stored but unreadable as DICOM stays on disk and out of the index.
        if s.path.exists() {
            let _ = self.index.add_file(&s.path);
        }
        st
    }
}

/// A server configuration for a Q/R SCP over `directory`: Verification, Storage and the Q/R
/// SOP classes.
pub fn server_config(directory: impl Into<PathBuf>, service: Arc<QrService>) -> ServerConfig {
    let mut cfg = ServerConfig::storage(directory);
    let storage = cfg.accept.abstract_syntaxes.clone();
    cfg.accept.abstract_syntaxes =
        Arc::new(move |uid| storage(uid) || QR_SOP_CLASSES.contains(&uid));
    cfg.service = Some(service);
    cfg
}
