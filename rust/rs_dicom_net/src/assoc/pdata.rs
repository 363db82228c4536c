//! Sending a command or data set as P-DATA-TF PDUs, one PDV each, as the bytes come.

use std::io::{self, IoSlice, Write};

use crate::error::{NetResult, io_error};

/// PDU header (6 bytes) and PDV header (4-byte length, context ID, control header).
const HEADERS: usize = 12;

/// A `Write` that cuts what it is given into P-DATA-TF PDUs of at most the peer's maximum
/// length. A full PDU is sent only when more bytes follow, so the last fragment is never
/// empty; [`PDataWriter::finish`] sends it with the "last" bit.
pub struct PDataWriter<'a> {
    out: &'a mut crate::tls::Conn,
    context_id: u8,
    command: bool,
    /// Headers, then the fragment being filled.
    buf: Vec<u8>,
    capacity: usize,
}

impl<'a> PDataWriter<'a> {
    pub(super) fn new(
        out: &'a mut crate::tls::Conn,
        context_id: u8,
        command: bool,
        max_pdu: u32,
    ) -> Self {
        // The PDU length counts the PDV header (6 bytes) and the fragment.
        let capacity = (max_pdu as usize).saturating_sub(6).max(16);
        let mut buf = Vec::with_capacity(HEADERS + capacity.min(1 << 20));
        buf.resize(HEADERS, 0);
        PDataWriter {
            out,
            context_id,
            command,
            buf,
            capacity,
        }
    }

    fn send(&mut self, last: bool) -> io::Result<()> {
        let fragment = self.buf.len() - HEADERS;
        let pdv_len = (fragment + 2) as u32;
        let pdu_len = pdv_len + 4;
        self.buf[0] = crate::pdu::kind::P_DATA_TF;
        self.buf[1] = 0;
        self.buf[2..6].copy_from_slice(&pdu_len.to_be_bytes());
        self.buf[6..10].copy_from_slice(&pdv_len.to_be_bytes());
        self.buf[10] = self.context_id;
        self.buf[11] = u8::from(self.command) | if last { 2 } else { 0 };
        self.out.write_all(&self.buf)?;
        self.buf.truncate(HEADERS);
        Ok(())
    }

    /// Sends a full fragment straight from `data` (no copy into `buf`): one `writev` of the
    /// headers and the caller's bytes. Only on plain TCP, where the kernel copies anyway.
    fn send_direct(&mut self, data: &[u8]) -> io::Result<()> {
        let head = self.header(data.len(), false);
        let mut parts = [IoSlice::new(&head), IoSlice::new(data)];
        let mut bufs = &mut parts[..];
        while !bufs.is_empty() {
            match self.out.write_vectored(bufs) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut bufs, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Sends `len` bytes of `file` from `start` as the whole data set, a fragment per PDU:
    /// each PDU's headers with `MSG_MORE`, then its fragment with `sendfile`, so the bytes go
    /// from the page cache to the socket without a copy through our memory. Plain TCP only
    /// (see [`Association::can_send_file`](super::Association::can_send_file)). A file that
    /// became shorter is an error (the PDU announced more).
    #[cfg(target_os = "linux")]
    pub(crate) fn send_file(self, file: &std::fs::File, start: u64, len: u64) -> io::Result<()> {
        use std::os::fd::AsFd;
        let socket = self.out.tcp().as_fd();
        let (mut at, end) = (start, start + len);
        loop {
            let n = (end - at).min(self.capacity as u64);
            let last = at + n == end;
            let head = self.header(n as usize, last);
            // An empty fragment has nothing after its headers to push them out.
            let more = if n > 0 {
                rustix::net::SendFlags::MORE
            } else {
                rustix::net::SendFlags::empty()
            };
            let mut sent = 0;
            while sent < head.len() {
                match rustix::net::send(socket, &head[sent..], more) {
                    Ok(k) => sent += k,
                    Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if crate::zerocopy::send_file(socket, file, at, n)? != n {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was sent",
                ));
            }
            at += n;
            if last {
                return Ok(());
            }
        }
    }

    /// The PDU and PDV headers of a fragment of `len` bytes.
    fn header(&self, len: usize, last: bool) -> [u8; HEADERS] {
        let pdv_len = (len + 2) as u32;
        let mut head = [0u8; HEADERS];
        head[0] = crate::pdu::kind::P_DATA_TF;
        head[2..6].copy_from_slice(&(pdv_len + 4).to_be_bytes());
        head[6..10].copy_from_slice(&pdv_len.to_be_bytes());
        head[10] = self.context_id;
        head[11] = u8::from(self.command) | if last { 2 } else { 0 };
        head
    }

    /// Sends the last fragment.
    pub fn finish(mut self) -> NetResult<()> {
        self.send(true)
            .map_err(|e| io_error(&e, "cannot send a P-DATA-TF PDU"))
    }
}

impl Write for PDataWriter<'_> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        while !data.is_empty() {
            let filled = self.buf.len() - HEADERS;
            // A whole fragment with more bytes after it goes out without the copy.
            if filled == 0 && data.len() > self.capacity && self.out.is_plain() {
                self.send_direct(&data[..self.capacity])?;
                data = &data[self.capacity..];
                continue;
            }
            if filled == self.capacity {
                self.send(false)?;
                continue;
            }
            let take = (self.capacity - filled).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
