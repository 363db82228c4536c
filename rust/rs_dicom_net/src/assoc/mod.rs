//! An established association: P-DATA in both directions (fragmented to the peer's maximum
//! PDU length, reassembled on receipt), DIMSE messages, release and abort. It is made by
//! [`request`] (the requestor's side) or [`accept`] (the acceptor's side).

mod acceptor;
#[cfg(target_os = "linux")]
mod direct;
mod pdata;
mod poll;
mod requestor;
pub mod window;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

pub use acceptor::{AcceptConfig, Accepted, IdentityCheck, accept, reject_busy};
#[cfg(target_os = "linux")]
pub(crate) use direct::Piece;
pub use pdata::PDataWriter;
pub use requestor::{RequestConfig, request};

use crate::tls::Conn;

use crate::dimse::{Command, MAX_COMMAND_LENGTH};
use crate::error::{NetResult, io_error, net_error};
use crate::pdu::{Abort, Pdu, UserInformation, kind, pdv_ranges, read_pdu, read_pdu_into};

/// Our default maximum P-DATA PDU length: large PDUs cost fewer system calls, and this bounds
/// what one PDU may make us allocate.
pub const DEFAULT_MAX_PDU: u32 = 256 * 1024;
/// What we send at most when the peer announces no limit (0).
const UNLIMITED_SEND: u32 = 1 << 20;
/// The default ARTIM timeout (association request/accept/release).
pub const DEFAULT_ARTIM: Duration = Duration::from_secs(30);

/// A negotiated presentation context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// ID.
    pub id: u8,
    /// Abstract syntax (SOP class UID).
    pub abstract_syntax: String,
    /// The accepted transfer syntax (empty when rejected).
    pub transfer_syntax: String,
    /// 0 accepted; otherwise the rejection reason (PS3.8 Table 9-18).
    pub result: u8,
}

impl Context {
    /// The context was accepted.
    pub fn accepted(&self) -> bool {
        self.result == 0
    }
}

/// A received data fragment: borrowed from the association's PDU buffer, or that whole
/// buffer handed over with the fragment's range in it.
pub(crate) enum Fragment<'a> {
    /// Bytes still in the association's buffer.
    Borrowed(&'a [u8]),
    /// The PDU's buffer, now the receiver's, and where the fragment is in it.
    Owned(Vec<u8>, std::ops::Range<usize>),
}

/// One received PDV: context, control header and where its bytes are in the PDU buffer.
#[derive(Debug, Clone)]
struct PdvAt {
    context_id: u8,
    control: u8,
    range: std::ops::Range<usize>,
}

/// An established association.
pub struct Association {
    /// The connection: read through the buffer, written directly (`get_mut`).
    reader: BufReader<Conn>,
    /// The largest P-DATA PDU we send (the peer's maximum, or our cap when it has none).
    send_max: u32,
    /// The largest P-DATA PDU we receive.
    recv_max: u32,
    contexts: Vec<Context>,
    /// The body of the P-DATA PDU being read, and the PDVs still to hand out.
    rx: Vec<u8>,
    /// The length of that body: `rx` may be longer (see [`read_pdu_into`]).
    rx_len: usize,
    pending: std::collections::VecDeque<PdvAt>,
    /// The peer's AE title, ours, and its user information.
    pub peer_ae: String,
    /// Our AE title.
    pub own_ae: String,
    /// The called AE title of the request (an acceptor may serve several).
    pub called_ae: String,
    /// The peer's user information (implementation class, version, limits).
    pub peer_user: UserInformation,
    open: bool,
    next_message_id: u16,
    /// The negotiated asynchronous operations window (see [`Association::async_ops`]).
    async_window: (u16, u16),
    /// A command read ahead during an operation, handed out by the next `recv_command`.
    deferred: Option<(u8, Command)>,
}

impl Association {
    fn new(conn: Conn, send_max: u32, recv_max: u32, contexts: Vec<Context>) -> NetResult<Self> {
        let send_max = if send_max == 0 {
            UNLIMITED_SEND
        } else {
            send_max.max(1024)
        };
        // Where data sets are spliced, the buffer only holds what comes with the headers
        // read: the less of a fragment it takes in, the more of it is spliced.
        let capacity = if crate::zerocopy::AVAILABLE && conn.is_plain() {
            8 * 1024
        } else {
            64 * 1024
        };
        Ok(Association {
            reader: BufReader::with_capacity(capacity, conn),
            send_max,
            recv_max,
            contexts,
            rx: Vec::new(),
            rx_len: 0,
            pending: Default::default(),
            peer_ae: String::new(),
            own_ae: String::new(),
            called_ae: String::new(),
            peer_user: UserInformation::default(),
            open: true,
            next_message_id: 1,
            async_window: window::SYNCHRONOUS,
            deferred: None,
        })
    }

    /// The negotiated presentation contexts.
    pub fn contexts(&self) -> &[Context] {
        &self.contexts
    }

    /// An accepted context by ID.
    pub fn context(&self, id: u8) -> Option<&Context> {
        self.contexts.iter().find(|c| c.id == id && c.accepted())
    }

    /// The negotiated asynchronous operations window (PS3.7 D.3.3.3): how many operations the
    /// requestor may invoke, and how many it may be asked to perform, with responses
    /// outstanding; 0 is unlimited, (1, 1) when the window was not negotiated.
    pub fn async_ops(&self) -> (u16, u16) {
        self.async_window
    }

    /// The largest P-DATA PDU sent to the peer.
    pub fn send_max_pdu(&self) -> u32 {
        self.send_max
    }

    /// A new message ID.
    pub fn message_id(&mut self) -> u16 {
        let id = self.next_message_id;
        self.next_message_id = self.next_message_id.wrapping_add(1).max(1);
        id
    }

    /// Sets the time to wait for the peer (None: forever).
    pub fn set_timeout(&self, timeout: Option<Duration>) -> NetResult<()> {
        self.reader
            .get_ref()
            .tcp()
            .set_read_timeout(timeout)
            .map_err(|e| io_error(&e, "cannot set the timeout"))
    }

    pub(crate) fn send_pdu(&mut self, pdu: &Pdu) -> NetResult<()> {
        pdu.write_to(self.reader.get_mut())
    }

    /// A writer of the command or data set of a message on context `id`: fragments go out as
    /// the writer fills; [`PDataWriter::finish`] sends the last one.
    pub fn pdata(&mut self, context_id: u8, command: bool) -> PDataWriter<'_> {
        PDataWriter::new(self.reader.get_mut(), context_id, command, self.send_max)
    }

    /// Sends a command set.
    pub fn send_command(&mut self, context_id: u8, command: &Command) -> NetResult<()> {
        let bytes = command.to_bytes()?;
        let mut w = self.pdata(context_id, true);
        w.write_all(&bytes)
            .map_err(|e| io_error(&e, "cannot send a command"))?;
        w.finish()
    }

    /// Reads PDUs until a PDV is there. `None`: the peer asked to release (answered).
    fn next_pdv(&mut self) -> NetResult<Option<PdvAt>> {
        loop {
            if let Some(p) = self.pending.pop_front() {
                return Ok(Some(p));
            }
            if !self.open {
                return Err(net_error("the association is closed"));
            }
            let k = match read_pdu_into(&mut self.reader, self.recv_max, &mut self.rx) {
                Ok((k, len)) => {
                    self.rx_len = len;
                    k
                }
                Err(e) => {
                    self.abort_with(2, 0);
                    return Err(e);
                }
            };
            if !self.take_pdu(k)? {
                return Ok(None);
            }
        }
    }

    /// Acts on the PDU just read into `rx` (type `k`): a P-DATA-TF's PDVs are checked and
    /// queued (`true`); a release is answered (`false`); an abort or another type is an error.
    fn take_pdu(&mut self, k: u8) -> NetResult<bool> {
        match k {
            kind::P_DATA_TF => {
                let parsed: NetResult<Vec<_>> = pdv_ranges(&self.rx[..self.rx_len]).collect();
                match parsed {
                    Ok(pdvs) => {
                        // PS3.8 9.3.5: a PDV names an accepted presentation context; any
                        // other ID is an invalid parameter value, and the association is
                        // aborted rather than the message guessed at.
                        if let Some((id, _, _)) =
                            pdvs.iter().find(|(id, _, _)| self.context(*id).is_none())
                        {
                            let id = *id;
                            self.abort_with(2, 6);
                            return Err(net_error(format!(
                                "a P-DATA-TF fragment on presentation context {id}, which \
                                 was not accepted (aborted)"
                            )));
                        }
                        self.pending.extend(pdvs.into_iter().map(
                            |(context_id, control, range)| PdvAt {
                                context_id,
                                control,
                                range,
                            },
                        ));
                        Ok(true)
                    }
                    Err(e) => {
                        self.abort_with(2, 6);
                        Err(e)
                    }
                }
            }
            kind::RELEASE_RQ => {
                let _ = self.send_pdu(&Pdu::ReleaseRp);
                self.close();
                Ok(false)
            }
            kind::ABORT => {
                self.close();
                let a = match Pdu::parse_body(k, &self.rx[..self.rx_len]) {
                    Ok(Pdu::Abort(a)) => a,
                    _ => Abort {
                        source: 2,
                        reason: 0,
                    },
                };
                Err(net_error(format!("association aborted: {}", a.describe())))
            }
            other => {
                self.abort_with(2, 2);
                Err(net_error(format!(
                    "unexpected PDU type 0x{other:02X} on an established association"
                )))
            }
        }
    }

    /// Receives the next command set: its context ID and the command. `None` when the peer
    /// released the association instead.
    pub fn recv_command(&mut self) -> NetResult<Option<(u8, Command)>> {
        if let Some(c) = self.deferred.take() {
            return Ok(Some(c));
        }
        let mut bytes = Vec::new();
        let mut ctx = None;
        loop {
            let Some(p) = self.next_pdv()? else {
                return Ok(None);
            };
            if p.control & 1 == 0 || ctx.is_some_and(|c| c != p.context_id) {
                self.abort_with(2, 2);
                return Err(net_error(format!(
                    "expected a command fragment on context {}, got a {} fragment on context {}",
                    ctx.unwrap_or(p.context_id),
                    if p.control & 1 == 0 {
                        "data"
                    } else {
                        "command"
                    },
                    p.context_id
                )));
            }
            ctx = Some(p.context_id);
            if bytes.len() + p.range.len() > MAX_COMMAND_LENGTH {
                self.abort_with(2, 0);
                return Err(net_error("a command set longer than 64 KiB"));
            }
            bytes.extend_from_slice(&self.rx[p.range.clone()]);
            if p.control & 2 != 0 {
                break;
            }
        }
        let ctx = ctx.unwrap_or(0);
        match Command::parse(&bytes) {
            Ok(c) => Ok(Some((ctx, c))),
            Err(e) => {
                self.abort_with(2, 0);
                Err(e)
            }
        }
    }

    /// Streams the data set that follows a command on context `ctx` into `sink`: fragment by
    /// fragment, never whole in memory. Returns the number of bytes.
    pub fn recv_data(&mut self, ctx: u8, sink: &mut dyn Write) -> NetResult<u64> {
        let mut n = 0u64;
        loop {
            let p = self.next_data_pdv(ctx)?;
            let part = &self.rx[p.range.clone()];
            n += part.len() as u64;
            sink.write_all(part)
                .map_err(|e| io_error(&e, "cannot store the received data set"))?;
            if p.control & 2 != 0 {
                return Ok(n);
            }
        }
    }

    /// Like [`Association::recv_data`], but a fragment that is the last PDV of its PDU comes
    /// with the PDU's buffer itself (replaced by `spare()`), so that another thread can write
    /// it without a copy. `sink` gets each fragment and whether it ends the data set.
    pub(crate) fn recv_data_owned(
        &mut self,
        ctx: u8,
        spare: &mut dyn FnMut() -> Vec<u8>,
        sink: &mut dyn FnMut(Fragment<'_>, bool) -> std::io::Result<()>,
    ) -> NetResult<u64> {
        let mut n = 0u64;
        loop {
            let p = self.next_data_pdv(ctx)?;
            let last = p.control & 2 != 0;
            n += p.range.len() as u64;
            let fragment = if self.pending.is_empty() {
                Fragment::Owned(std::mem::replace(&mut self.rx, spare()), p.range)
            } else {
                Fragment::Borrowed(&self.rx[p.range])
            };
            sink(fragment, last).map_err(|e| io_error(&e, "cannot store the received data set"))?;
            if last {
                return Ok(n);
            }
        }
    }

    /// The next PDV, which must be a data fragment on context `ctx`.
    fn next_data_pdv(&mut self, ctx: u8) -> NetResult<PdvAt> {
        let Some(p) = self.next_pdv()? else {
            return Err(net_error(
                "the peer released the association inside a data set",
            ));
        };
        if p.control & 1 != 0 || p.context_id != ctx {
            self.abort_with(2, 2);
            return Err(net_error(format!(
                "expected a data fragment on context {ctx}, got a {} fragment on context {}",
                if p.control & 1 != 0 {
                    "command"
                } else {
                    "data"
                },
                p.context_id
            )));
        }
        Ok(p)
    }

    /// Releases the association (A-RELEASE-RQ, then waits for the A-RELEASE-RP).
    pub fn release(mut self) -> NetResult<()> {
        self.send_pdu(&Pdu::ReleaseRq)?;
        loop {
            let k = match read_pdu(&mut self.reader, self.recv_max, &mut self.rx) {
                Ok(k) => k,
                Err(e) => {
                    self.close();
                    return Err(e);
                }
            };
            match k {
                kind::RELEASE_RP => break,
                // A release collision: answer and keep waiting for our answer.
                kind::RELEASE_RQ => self.send_pdu(&Pdu::ReleaseRp)?,
                kind::ABORT => {
                    self.close();
                    return Err(net_error("association aborted by the peer during release"));
                }
                // Late data: ignored (PS3.8 9.2.3: the requestor may still receive P-DATA).
                kind::P_DATA_TF => {}
                other => {
                    self.abort_with(2, 2);
                    return Err(net_error(format!(
                        "unexpected PDU type 0x{other:02X} while releasing"
                    )));
                }
            }
        }
        self.close();
        Ok(())
    }

    /// Ends the association after a failed send and says why: the peer's A-ABORT or bad PDU
    /// waiting to be read explains more than the broken pipe (an SCP that refuses a data set
    /// often aborts while it is still coming).
    pub fn send_failed(&mut self, err: rs_dicom::DicomError) -> rs_dicom::DicomError {
        use rs_dicom::ErrorKind;
        if !matches!(err.kind, ErrorKind::Io | ErrorKind::Network) || !self.open {
            self.abort_with(0, 0);
            return err;
        }
        let _ = self.set_timeout(Some(Duration::from_millis(500)));
        // With operations outstanding, responses to them may come before the abort.
        let mut skipped = 0;
        let mut read = || loop {
            match read_pdu(&mut self.reader, self.recv_max, &mut self.rx) {
                Ok(kind::P_DATA_TF) if skipped < 1024 => skipped += 1,
                other => return other,
            }
        };
        let why = match read() {
            Ok(kind::ABORT) => {
                self.close();
                let a = match Pdu::parse_body(kind::ABORT, &self.rx) {
                    Ok(Pdu::Abort(a)) => a,
                    _ => Abort {
                        source: 2,
                        reason: 0,
                    },
                };
                return net_error(format!(
                    "association aborted while sending a data set: {}",
                    a.describe()
                ));
            }
            Ok(k) => format!("the peer sent PDU type 0x{k:02X}"),
            Err(e) => e.message,
        };
        self.abort_with(2, 2);
        net_error(format!(
            "the connection failed while sending a data set ({}): {why}",
            err.message
        ))
    }

    /// Aborts the association (A-ABORT from the service user).
    pub fn abort(mut self) {
        self.abort_with(0, 0);
    }

    /// Aborts the association in place (it is closed afterwards).
    pub fn abort_in_place(&mut self) {
        self.abort_with(0, 0);
    }

    fn abort_with(&mut self, source: u8, reason: u8) {
        if self.open {
            let _ = self.send_pdu(&Pdu::Abort(Abort { source, reason }));
        }
        self.close();
    }

    fn close(&mut self) {
        self.open = false;
        self.reader.get_mut().close();
    }

    /// Files can be sent with `sendfile`: plain TCP on Linux.
    pub(crate) fn can_send_file(&self) -> bool {
        crate::zerocopy::AVAILABLE && self.reader.get_ref().is_plain()
    }

    /// The association runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.reader.get_ref().is_tls()
    }

    /// The association is still open.
    pub fn is_open(&self) -> bool {
        self.open
    }
}

impl Drop for Association {
    /// An association dropped while open is aborted, so the peer does not wait for it.
    fn drop(&mut self) {
        self.abort_with(0, 0);
    }
}

/// Configures a fresh connection: no Nagle delay (a PDU is one write), and a read timeout.
fn configure(stream: &TcpStream, timeout: Option<Duration>) -> NetResult<()> {
    stream
        .set_nodelay(true)
        .and_then(|()| stream.set_read_timeout(timeout))
        .and_then(|()| stream.set_write_timeout(timeout))
        .map_err(|e| io_error(&e, "cannot configure the connection"))
}
