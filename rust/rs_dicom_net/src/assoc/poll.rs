//! Looking for a command without waiting: an SCP checks for a C-CANCEL-RQ between the
//! responses of a long operation.

use super::Association;
use crate::dimse::Command;
use crate::error::{NetResult, io_error, net_error};

impl Association {
    /// A command the peer already sent (or started sending), else `None` at once.
    pub fn poll_command(&mut self) -> NetResult<Option<(u8, Command)>> {
        if self.pending.is_empty() && self.reader.buffer().is_empty() {
            let ready = self
                .reader
                .get_mut()
                .has_input()
                .map_err(|e| io_error(&e, "cannot poll the connection"))?;
            if !ready {
                return Ok(None);
            }
        }
        match self.recv_command()? {
            Some(c) => Ok(Some(c)),
            None => Err(net_error(
                "the peer released the association during an operation",
            )),
        }
    }
}
