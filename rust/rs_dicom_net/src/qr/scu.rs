//! The Query/Retrieve SCU: C-FIND (Q/R and Modality Worklist), C-MOVE and C-GET, one
//! response at a time (so a caller can stream them and cancel), the C-STORE
//! sub-operations of a C-GET received into a directory on the same association.

use std::path::PathBuf;

use rs_dicom::Dataset;

use super::command::{self, Counts, field, status};
use super::{recv_identifier, send_message};
use crate::assoc::Association;
use crate::dimse::{self, tags};
use crate::error::{NetResult, net_error};
use crate::scp::receive_instance;

/// The operation asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// C-FIND.
    Find,
    /// C-GET (instances come back on this association).
    Get,
    /// C-MOVE to the AE title given.
    Move(String),
}

/// One response of the peer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status (pending: more follow).
    pub status: u16,
    /// The identifier (a match of a C-FIND; the failed instances of a C-MOVE or C-GET).
    pub identifier: Option<Dataset>,
    /// Sub-operation counts (C-MOVE, C-GET).
    pub counts: Option<Counts>,
    /// Error Comment (0000,0902).
    pub comment: Option<String>,
}

/// An operation in progress.
pub struct Query {
    ctx: u8,
    message_id: u16,
    rsp_field: u16,
    done: bool,
    directory: Option<PathBuf>,
    /// Files received by C-STORE sub-operations (C-GET), in order.
    pub received: Vec<PathBuf>,
    /// C-STORE sub-operations that could not be written (the peer was told so).
    pub store_failures: Vec<String>,
}

impl Query {
    /// Sends the request for `op` with `identifier` on the context of `sop_class`. For C-GET,
    /// `directory` receives the instances (it must exist).
    pub fn start(
        assoc: &mut Association,
        sop_class: &str,
        op: Operation,
        identifier: &Dataset,
        directory: Option<PathBuf>,
    ) -> NetResult<Query> {
        let ctx = assoc
            .contexts()
            .iter()
            .find(|c| c.accepted() && c.abstract_syntax == sop_class)
            .map(|c| c.id)
            .ok_or_else(|| net_error(format!("the peer did not accept SOP class {sop_class}")))?;
        if op == Operation::Get && directory.is_none() {
            return Err(net_error("C-GET needs a directory for the instances"));
        }
        let id = assoc.message_id();
        let (rq, rsp_field) = match &op {
            Operation::Find => (command::find_rq(id, sop_class), field::C_FIND_RSP),
            Operation::Get => (command::get_rq(id, sop_class), field::C_GET_RSP),
            Operation::Move(dest) => (command::move_rq(id, sop_class, dest), field::C_MOVE_RSP),
        };
        send_message(assoc, ctx, &rq, Some(identifier))?;
        Ok(Query {
            ctx,
            message_id: id,
            rsp_field,
            done: false,
            directory,
            received: Vec::new(),
            store_failures: Vec::new(),
        })
    }

    /// The next response; `None` after the final one.
    pub fn next(&mut self, assoc: &mut Association) -> NetResult<Option<Response>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let (ctx, c) = assoc.recv_command()?.ok_or_else(|| {
                net_error("the peer released the association before the final response")
            })?;
            if c.field() == Some(dimse::field::C_STORE_RQ) {
                self.store_sub_operation(assoc, ctx, &c)?;
                continue;
            }
            if c.field() != Some(self.rsp_field)
                || c.us(tags::RESPONDED_TO) != Some(self.message_id)
            {
                assoc.abort_in_place();
                return Err(net_error(format!(
                    "unexpected command 0x{:04X} (responding to {:?}) while waiting for \
                     responses to message {}",
                    c.field().unwrap_or(0),
                    c.us(tags::RESPONDED_TO),
                    self.message_id
                )));
            }
            let st = c
                .us(tags::STATUS)
                .ok_or_else(|| net_error("a response without Status (0000,0900)"))?;
            let identifier = if c.has_data_set() {
                match recv_identifier(assoc, ctx)? {
                    Ok(ds) => Some(ds),
                    Err(e) => return Err(net_error(format!("unreadable identifier: {e}"))),
                }
            } else {
                None
            };
            self.done = !status::is_pending(st);
            return Ok(Some(Response {
                status: st,
                identifier,
                counts: Counts::of(&c),
                comment: c.text(tags::ERROR_COMMENT),
            }));
        }
    }

    fn store_sub_operation(
        &mut self,
        assoc: &mut Association,
        ctx: u8,
        rq: &dimse::Command,
    ) -> NetResult<()> {
        let st = match (&self.directory, assoc.context(ctx).is_some()) {
            (Some(dir), true) => {
                let n = self.received.len() as u64 + self.store_failures.len() as u64;
                match receive_instance(assoc, ctx, rq, dir, n)? {
                    Ok(stored) => {
                        self.received.push(stored.path);
                        status::SUCCESS
                    }
                    Err(e) => {
                        self.store_failures.push(e.to_string());
                        status::OUT_OF_RESOURCES
                    }
                }
            }
            _ => {
                assoc.recv_data(ctx, &mut std::io::sink())?;
                self.store_failures
                    .push("a C-STORE outside a C-GET or context".into());
                crate::scp::status::SOP_CLASS_NOT_SUPPORTED
            }
        };
        assoc.send_command(ctx, &dimse::response(rq, st, None))
    }

    /// Asks the peer to cancel (C-CANCEL-RQ); responses still come until the final one.
    pub fn cancel(&self, assoc: &mut Association) -> NetResult<()> {
        if self.done {
            return Ok(());
        }
        assoc.send_command(self.ctx, &command::cancel_rq(self.message_id))
    }

    /// The final response arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// Runs an operation to its end: every response, the final one last.
pub fn run(
    assoc: &mut Association,
    sop_class: &str,
    op: Operation,
    identifier: &Dataset,
    directory: Option<PathBuf>,
) -> NetResult<(Vec<Response>, Query)> {
    let mut q = Query::start(assoc, sop_class, op, identifier, directory)?;
    let mut out = Vec::new();
    while let Some(r) = q.next(assoc)? {
        out.push(r);
    }
    Ok((out, q))
}
