//! Looking for a command without waiting: an SCP checks for a C-CANCEL-RQ between the
//! responses of a long operation.

use super::Association;
use crate::dimse::Command;
use crate::error::{NetResult, io_error, net_error};

impl Association {
    /// The peer already sent (or started sending) something we have not read: a read would
    /// not wait for it to decide.
    pub fn input_ready(&mut self) -> NetResult<bool> {
        if self.deferred.is_some() || !self.pending.is_empty() || !self.reader.buffer().is_empty() {
            return Ok(true);
        }
        self.reader
            .get_mut()
            .has_input()
            .map_err(|e| io_error(&e, "cannot poll the connection"))
    }

    /// A command the peer already sent (or started sending), else `None` at once.
    pub fn poll_command(&mut self) -> NetResult<Option<(u8, Command)>> {
        if !self.input_ready()? {
            return Ok(None);
        }
        match self.recv_command()? {
            Some(c) => Ok(Some(c)),
            None => Err(net_error(
                "the peer released the association during an operation",
            )),
        }
    }

    /// Keeps a command that arrived during an operation (within the asynchronous operations
    /// window) for the next [`Association::recv_command`]; its data set, if any, is the next
    /// thing in the stream, so nothing more may be polled until it is handed out.
    pub fn defer(&mut self, ctx: u8, command: Command) {
        self.deferred = Some((ctx, command));
    }

    /// A command is kept by [`Association::defer`].
    pub fn has_deferred(&self) -> bool {
        self.deferred.is_some()
    }
}
