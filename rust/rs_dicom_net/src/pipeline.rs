//! C-STORE within the asynchronous operations window (PS3.7 D.3.3.3): up to the negotiated
//! number of C-STORE-RQs are sent before their responses come back, and each C-STORE-RSP
//! is matched to its request by Message ID Being Responded To, whatever the order.

use crate::assoc::{Association, window};
use crate::dimse::{field, tags};
use crate::error::{NetResult, net_error};
use crate::scu::{Instance, start_store};

/// Stores instances on one association with up to its negotiated invoked window of
/// requests outstanding. Each instance carries a key (the caller's index); the responses
/// are reported as (key, status) through `done` as they arrive.
pub struct Pipeline {
    limit: usize,
    /// (Message ID, key) of the requests sent and not yet answered, oldest first.
    outstanding: Vec<(u16, usize)>,
}

impl Pipeline {
    /// A pipeline for `assoc`, as wide as the window the association negotiated.
    pub fn new(assoc: &Association) -> Pipeline {
        Pipeline::with_limit(window::outstanding_limit(assoc.async_ops().0))
    }

    /// A pipeline keeping at most `limit` requests outstanding (at least 1).
    pub fn with_limit(limit: usize) -> Pipeline {
        Pipeline {
            limit: limit.max(1),
            outstanding: Vec::new(),
        }
    }

    /// Sends `inst`, first collecting responses until the window has room; responses
    /// already waiting are collected too. An error with the association still open is this
    /// instance's alone (it could not be converted; nothing was sent); otherwise the
    /// association failed and [`Pipeline::unconfirmed`] names what was not answered.
    pub fn submit(
        &mut self,
        assoc: &mut Association,
        inst: &Instance,
        key: usize,
        done: &mut dyn FnMut(usize, u16),
    ) -> NetResult<()> {
        self.make_room(assoc, done)?;
        let id = start_store(assoc, inst)?;
        self.outstanding.push((id, key));
        // Responses waiting are read now: the peer never blocks on a full socket buffer of
        // responses while we block sending it data.
        while !self.outstanding.is_empty() && assoc.input_ready()? {
            self.collect(assoc, done)?;
        }
        Ok(())
    }

    /// Collects responses until another request fits in the window.
    pub fn make_room(
        &mut self,
        assoc: &mut Association,
        done: &mut dyn FnMut(usize, u16),
    ) -> NetResult<()> {
        while self.outstanding.len() >= self.limit {
            self.collect(assoc, done)?;
        }
        Ok(())
    }

    /// Waits for the responses to every request sent.
    pub fn finish(
        &mut self,
        assoc: &mut Association,
        done: &mut dyn FnMut(usize, u16),
    ) -> NetResult<()> {
        while !self.outstanding.is_empty() {
            self.collect(assoc, done)?;
        }
        Ok(())
    }

    /// The keys of the requests sent whose responses did not come, oldest first.
    pub fn unconfirmed(&self) -> Vec<usize> {
        self.outstanding.iter().map(|&(_, key)| key).collect()
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.outstanding.len()
    }

    /// Reads one response and reports it.
    fn collect(
        &mut self,
        assoc: &mut Association,
        done: &mut dyn FnMut(usize, u16),
    ) -> NetResult<()> {
        let Some((_, rsp)) = assoc.recv_command()? else {
            return Err(net_error(format!(
                "the peer released the association with {} C-STORE responses outstanding",
                self.outstanding.len()
            )));
        };
        let to = rsp.us(tags::RESPONDED_TO);
        let at = self.outstanding.iter().position(|(id, _)| Some(*id) == to);
        let (Some(at), Some(field::C_STORE_RSP), false) = (at, rsp.field(), rsp.has_data_set())
        else {
            // Not an answer to anything outstanding: what follows cannot be trusted.
            assoc.abort_in_place();
            return Err(net_error(format!(
                "unexpected message (command 0x{:04X} responding to message {:?}) while \
                 waiting for C-STORE responses (aborted)",
                rsp.field().unwrap_or(0),
                to
            )));
        };
        let Some(status) = rsp.us(tags::STATUS) else {
            assoc.abort_in_place();
            return Err(net_error(
                "a C-STORE response has no Status (0000,0900) (aborted)",
            ));
        };
        let (_, key) = self.outstanding.remove(at);
        done(key, status);
        Ok(())
    }
}
