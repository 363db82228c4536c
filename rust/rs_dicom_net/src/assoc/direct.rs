//! Receiving a data set without reading its bulk into our buffers (plain TCP on Linux):
//! PDU and PDV headers are read one at a time, so the fragment's bytes stay in the socket
//! and the receiver can splice them into the file (see `zerocopy`). What the peer sent in the
//! same PDU after the data set's last fragment is queued as the buffered path would.

use std::io::{self, BufRead, Read};
use std::os::fd::{AsFd, BorrowedFd};

use super::Association;
use crate::error::{NetResult, io_error, net_error};
use crate::pdu::{check_header, kind, read_pdu_body};

/// A piece of a data set received by [`Association::recv_data_direct`].
pub(crate) enum Piece<'a> {
    /// Bytes already read.
    Bytes(&'a [u8]),
    /// This many bytes of the fragment wait on the socket: the receiver takes exactly them.
    Socket(BorrowedFd<'a>, usize),
}

impl Association {
    /// The connection is plain TCP, whose bytes can be spliced.
    pub(crate) fn can_splice(&self) -> bool {
        self.reader.get_ref().is_plain()
    }

    /// Reads exactly `buf.len()` bytes: what our buffer holds first, then from the socket
    /// itself, so that the buffer does not fill with the fragment's bytes.
    fn read_direct(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let have = self.reader.buffer();
        let k = have.len().min(buf.len());
        buf[..k].copy_from_slice(&have[..k]);
        self.reader.consume(k);
        if k < buf.len() {
            self.reader.get_mut().read_exact(&mut buf[k..])?;
        }
        Ok(())
    }

    fn failed_read(&mut self, e: &io::Error, what: &str) -> rs_dicom::DicomError {
        self.abort_with(2, 0);
        io_error(e, what)
    }

    /// Streams the data set that follows a command on context `ctx` to `sink`, as
    /// [`Association::recv_data`] does, but a fragment's bytes that are not read yet come as
    /// [`Piece::Socket`] when there are at least `min_socket` of them. `sink` gets each piece
    /// and whether it ends the data set; an error from it ends the association (the stream
    /// may be in the middle of a fragment). Returns the number of bytes.
    pub(crate) fn recv_data_direct(
        &mut self,
        ctx: u8,
        min_socket: usize,
        sink: &mut dyn FnMut(Piece<'_>, bool) -> io::Result<()>,
    ) -> NetResult<u64> {
        let mut n = 0u64;
        loop {
            if !self.pending.is_empty() {
                let p = self.next_data_pdv(ctx)?;
                let last = p.control & 2 != 0;
                n += p.range.len() as u64;
                if let Err(e) = sink(Piece::Bytes(&self.rx[p.range]), last) {
                    return Err(self.failed_read(&e, "cannot store the received data set"));
                }
                if last {
                    return Ok(n);
                }
                continue;
            }
            if !self.open {
                return Err(net_error("the association is closed"));
            }
            let mut header = [0u8; 6];
            if let Err(e) = self.read_direct(&mut header) {
                return Err(self.failed_read(&e, "cannot receive a PDU header"));
            }
            let (k, len) = match check_header(&header, self.recv_max) {
                Ok(h) => h,
                Err(e) => {
                    self.abort_with(2, 0);
                    return Err(e);
                }
            };
            if k != kind::P_DATA_TF {
                if let Err(e) = read_pdu_body(&mut self.reader, k, len, &mut self.rx) {
                    self.abort_with(2, 0);
                    return Err(e);
                }
                self.rx_len = len;
                self.take_pdu(k)?;
                return Err(net_error(
                    "the peer released the association inside a data set",
                ));
            }
            if let Some(done) = self.direct_pdu(ctx, len, min_socket, &mut n, sink)? {
                return Ok(done);
            }
        }
    }

    /// The PDVs of one P-DATA-TF of `len` bytes; `Some(n)` when the data set ended in it.
    fn direct_pdu(
        &mut self,
        ctx: u8,
        len: usize,
        min_socket: usize,
        n: &mut u64,
        sink: &mut dyn FnMut(Piece<'_>, bool) -> io::Result<()>,
    ) -> NetResult<Option<u64>> {
        let mut left = len;
        while left > 0 {
            let mut h = [0u8; 6];
            if left < h.len() {
                self.abort_with(2, 6);
                return Err(net_error(format!(
                    "{left} bytes after the last PDV of a PDU"
                )));
            }
            if let Err(e) = self.read_direct(&mut h) {
                return Err(self.failed_read(&e, "cannot receive a PDU"));
            }
            left -= h.len();
            let pdv_len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
            if pdv_len < 2 || pdv_len - 2 > left {
                self.abort_with(2, 6);
                return Err(net_error(format!(
                    "PDV item length {pdv_len} in a PDU with {} bytes left",
                    left + 2
                )));
            }
            let (id, control) = (h[4], h[5]);
            if self.context(id).is_none() {
                self.abort_with(2, 6);
                return Err(net_error(format!(
                    "a P-DATA-TF fragment on presentation context {id}, which was not \
                     accepted (aborted)"
                )));
            }
            if control & 1 != 0 || id != ctx {
                self.abort_with(2, 2);
                return Err(net_error(format!(
                    "expected a data fragment on context {ctx}, got a {} fragment on context {id}",
                    if control & 1 != 0 { "command" } else { "data" },
                )));
            }
            let d = pdv_len - 2;
            left -= d;
            *n += d as u64;
            let last = control & 2 != 0;
            self.direct_fragment(d, last, min_socket, sink)?;
            if last {
                if left > 0 {
                    // More PDVs after the data set (the next command): as the buffered
                    // path would have them.
                    if let Err(e) =
                        read_pdu_body(&mut self.reader, kind::P_DATA_TF, left, &mut self.rx)
                    {
                        self.abort_with(2, 0);
                        return Err(e);
                    }
                    self.rx_len = left;
                    self.take_pdu(kind::P_DATA_TF)?;
                }
                return Ok(Some(*n));
            }
        }
        Ok(None)
    }

    /// Hands out the `d` bytes of one fragment: a short one read whole, else what is
    /// buffered, then the socket's.
    fn direct_fragment(
        &mut self,
        d: usize,
        last: bool,
        min_socket: usize,
        sink: &mut dyn FnMut(Piece<'_>, bool) -> io::Result<()>,
    ) -> NetResult<()> {
        let result = if d < min_socket {
            if self.rx.len() < d {
                self.rx.resize(d, 0);
            }
            let mut rx = std::mem::take(&mut self.rx);
            let r = self
                .read_direct(&mut rx[..d])
                .and_then(|()| sink(Piece::Bytes(&rx[..d]), last));
            self.rx = rx;
            r
        } else {
            let k = self.reader.buffer().len().min(d);
            let mut r = Ok(());
            if k > 0 {
                r = sink(Piece::Bytes(&self.reader.buffer()[..k]), last && k == d);
                self.reader.consume(k);
            }
            if r.is_ok() && k < d {
                r = sink(
                    Piece::Socket(self.reader.get_ref().tcp().as_fd(), d - k),
                    last,
                );
            }
            r
        };
        result.map_err(|e| self.failed_read(&e, "cannot receive the data set"))
    }
}
