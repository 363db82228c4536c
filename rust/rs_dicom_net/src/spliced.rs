//! Receiving an instance spliced (Linux, plain TCP), on the association's thread: the bulk
//! of each fragment goes socket -> pipe (the kernel moves page references) -> file (the one
//! copy, into the page cache), never entering our buffers. The socket's receive queue lets
//! the peer send on while we write, so a hand-over to the writer thread would only add
//! wake-ups; part files still come from the creating thread (see `parts`).

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use crate::assoc::{Association, Piece};
use crate::dimse::Command;
use crate::error::NetResult;
use crate::incoming::{Incoming, Stored};
use crate::parts::Part;
use crate::spool::{Spool, receive_spooled, write_all_vectored, write_whole};
use crate::zerocopy::{Pipe, copy_out, drain_into};

/// Fragments shorter than this are read rather than spliced: a splice costs two system
/// calls and its pages, a read one call.
const MIN_SPLICE: usize = 32 * 1024;

/// The file of one instance and the first error met in it: after an error the data set is
/// still drained (the association goes on) and the part file removed at the end.
struct Sink<'a> {
    spool: &'a Spool,
    inc: &'a Incoming,
    /// Preamble and file meta, written with the first bytes.
    head: Vec<u8>,
    /// The part file, once started (None inside: it could not be created).
    target: Option<Option<Part>>,
    error: Option<io::Error>,
    /// Some(result) once a data set in one piece was written whole.
    whole: Option<io::Result<()>>,
}

impl Sink<'_> {
    /// The open file, once started, unless something failed.
    fn file(&mut self) -> Option<&mut File> {
        if self.error.is_some() {
            return None;
        }
        if self.target.is_none() {
            let part = self.spool.new_part();
            self.target = Some(part.map_err(|e| self.error.get_or_insert(e)).ok());
        }
        self.target.as_mut()?.as_mut().map(|p| &mut p.file)
    }

    fn bytes(&mut self, b: &[u8], last: bool) {
        if self.target.is_none() && last && self.error.is_none() {
            let inc = self.inc;
            self.whole = Some(write_whole(&inc.part, &inc.path, &self.head, b));
            return;
        }
        let head = std::mem::take(&mut self.head);
        if let Some(f) = self.file()
            && let Err(e) = write_all_vectored(f, &head, b)
        {
            self.error = Some(e);
        }
    }

    /// Moves `k` bytes waiting on `socket` into the file, through `pipe`. An error here is
    /// the connection's (the file's are kept aside): the stream is inside a fragment.
    fn splice(
        &mut self,
        (pipe, pipe_out): &(Pipe, File),
        socket: std::os::fd::BorrowedFd<'_>,
        mut k: usize,
    ) -> io::Result<()> {
        let head = std::mem::take(&mut self.head);
        if let Some(f) = self.file()
            && let Err(e) = f.write_all(&head)
        {
            self.error = Some(e);
        }
        while k > 0 {
            let n = pipe.fill_from(socket, k)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed inside a PDU",
                ));
            }
            k -= n;
            let moved = match self.file() {
                Some(f) => drain_into(pipe_out, f, n),
                None => copy_out(pipe_out, None, n),
            };
            if let Err(e) = moved {
                self.error.get_or_insert(e);
            }
        }
        Ok(())
    }

    /// The file renamed into place, or why not (nothing is left behind).
    fn finish(self) -> io::Result<()> {
        match (self.error, self.whole, self.target) {
            (Some(e), _, t) => {
                if let Some(Some(p)) = t {
                    p.remove();
                }
                Err(e)
            }
            (None, Some(r), _) => r,
            (None, None, Some(Some(p))) => p.publish(&self.inc.path),
            (None, None, Some(None)) => Err(io::Error::other("no file was created")),
            // An empty data set: the file is the head alone.
            (None, None, None) => write_whole(&self.inc.part, &self.inc.path, &self.head, &[]),
        }
    }
}

/// [`receive_instance`] splicing the bulk of each fragment from the socket through the
/// spool's pipe into the file (the spooled path when there is no pipe). `Err`: the
/// association failed (no file is left); `Ok(Err)`: the file could not be written (the data
/// set was drained).
///
/// [`receive_instance`]: crate::scp::receive_instance
pub(crate) fn receive_spliced(
    assoc: &mut Association,
    ctx: u8,
    rq: &Command,
    dir: &Path,
    n: u64,
    spool: &Spool,
) -> NetResult<Result<Stored, io::Error>> {
    let Some(pipe) = spool.pipe.as_ref() else {
        return receive_spooled(assoc, ctx, rq, dir, n, spool);
    };
    let inc = Incoming::new(assoc, ctx, rq, dir, n);
    let (head, error) = inc.head();
    let mut sink = Sink {
        spool,
        inc: &inc,
        head,
        target: None,
        error,
        whole: None,
    };
    let received = assoc.recv_data_direct(ctx, MIN_SPLICE, &mut |piece, last| {
        match piece {
            Piece::Bytes(b) => sink.bytes(b, last),
            Piece::Socket(socket, k) => sink.splice(pipe, socket, k)?,
        }
        Ok(())
    });
    let bytes = match received {
        Ok(b) => b,
        Err(e) => {
            if let Some(Some(p)) = sink.target {
                p.remove();
            }
            return Err(e);
        }
    };
    let result = sink.finish();
    Ok(result.map(|()| inc.stored(assoc, bytes)))
}
