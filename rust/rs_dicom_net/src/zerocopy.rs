//! Moving data-set bytes without copying them through our buffers (Linux): the SCP splices a
//! large fragment from the socket into a pipe (the kernel moves page references) and from
//! the pipe into the file (the one copy, into the page cache); the SCU sends a file's data
//! set with `sendfile`. A plain copy of a file costs one copy of its bytes; reading into a
//! buffer and writing it out costs two. Elsewhere (and over TLS) the buffered path is used.

#[cfg(target_os = "linux")]
mod imp {
    use std::fs::File;
    use std::io::{self, Read, Write};
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

    use rustix::pipe::{PipeFlags, SpliceFlags, fcntl_setpipe_size, pipe_with, splice};

    /// What a pipe holds at most: the limit an unprivileged process may set by default
    /// (/proc/sys/fs/pipe-max-size); a smaller pipe only costs more system calls.
    const PIPE_SIZE: usize = 1 << 20;

    /// The writing end of the pipe between the socket and the file; its capacity bounds
    /// what it holds.
    pub(crate) struct Pipe {
        write: OwnedFd,
        /// Bytes one splice moves at most.
        pub(crate) chunk: usize,
    }

    impl Pipe {
        /// A pipe as large as allowed, and its reading end.
        pub(crate) fn new() -> io::Result<(Pipe, File)> {
            let (read, write) = pipe_with(PipeFlags::CLOEXEC)?;
            let chunk = fcntl_setpipe_size(&write, PIPE_SIZE).unwrap_or(1 << 16);
            let pipe = Pipe {
                write,
                chunk: chunk.max(4096),
            };
            Ok((pipe, File::from(read)))
        }

        /// Moves up to `n` bytes from the socket into the pipe; 0 at the end of the stream.
        /// A read timeout on the socket applies (an error), as it does to `read`.
        pub(crate) fn fill_from(&self, socket: BorrowedFd<'_>, n: usize) -> io::Result<usize> {
            loop {
                match splice(
                    socket,
                    None,
                    &self.write,
                    None,
                    n.min(self.chunk),
                    SpliceFlags::MOVE,
                ) {
                    Ok(k) => return Ok(k),
                    Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }

    /// Moves exactly `n` bytes out of the pipe into `file` (at its position); on a file that
    /// cannot take a splice, through a buffer. The pipe holds these bytes already.
    pub(crate) fn drain_into(pipe: &File, file: &mut File, mut n: usize) -> io::Result<()> {
        while n > 0 {
            match splice(pipe, None, file.as_fd(), None, n, SpliceFlags::MOVE) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(k) => n -= k,
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                    return copy_out(pipe, Some(file), n);
                }
                Err(e) => {
                    // The bytes must leave the pipe whatever happens to the file.
                    let _ = copy_out(pipe, None, n);
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// Reads exactly `n` bytes out of the pipe, written to `file` if any.
    pub(crate) fn copy_out(
        mut pipe: &File,
        mut file: Option<&mut File>,
        mut n: usize,
    ) -> io::Result<()> {
        let mut buf = vec![0u8; n.min(1 << 16)];
        let mut error = None;
        while n > 0 {
            let want = n.min(buf.len());
            let k = match pipe.read(&mut buf[..want]) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            n -= k;
            if error.is_none()
                && let Some(f) = file.as_mut()
                && let Err(e) = f.write_all(&buf[..k])
            {
                error = Some(e);
                file = None;
            }
        }
        error.map_or(Ok(()), Err)
    }

    /// Sends `len` bytes of `file` from `offset` to the socket; returns how many went (fewer
    /// when the file is shorter than that).
    pub(crate) fn send_file(
        socket: BorrowedFd<'_>,
        file: &File,
        mut offset: u64,
        len: u64,
    ) -> io::Result<u64> {
        let mut sent = 0u64;
        while sent < len {
            let want = usize::try_from(len - sent)
                .unwrap_or(usize::MAX)
                .min(1 << 30);
            match rustix::fs::sendfile(socket, file, Some(&mut offset), want) {
                Ok(0) => break,
                Ok(k) => sent += k as u64,
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(sent)
    }
}

#[cfg(target_os = "linux")]
pub(crate) use imp::*;

/// Splicing exists on this platform.
pub(crate) const AVAILABLE: bool = cfg!(target_os = "linux");
