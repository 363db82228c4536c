//! Looking for a command without waiting: an SCP checks for a C-CANCEL-RQ between the
//! responses of a long operation.

use std::io::ErrorKind;

use super::Association;
use crate::dimse::Command;
use crate::error::{NetResult, io_error, net_error};

impl Association {
    /// A command the peer already sent (or started sending), else `None` at once.
    pub fn poll_command(&mut self) -> NetResult<Option<(u8, Command)>> {
        if self.pending.is_empty() && self.reader.buffer().is_empty() {
            let s = self.reader.get_ref();
            let mut one = [0u8; 1];
            s.set_nonblocking(true)
                .map_err(|e| io_error(&e, "cannot poll the connection"))?;
            let ready = s.peek(&mut one);
            s.set_nonblocking(false)
                .map_err(|e| io_error(&e, "cannot poll the connection"))?;
            match ready {
                Ok(n) if n > 0 => {}
                // Closed: the next blocking read reports it.
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(io_error(&e, "cannot poll the connection")),
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
