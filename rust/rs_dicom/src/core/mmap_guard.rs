//! A process-wide SIGBUS guard for memory-mapped files.
//!
//! Reading a page of a mapped file that another program has truncated raises SIGBUS, which
//! kills the process (the Python interpreter with it). The guard's handler looks the faulting
//! address up among the maps registered here; if it lies in one, it maps zero pages over the
//! rest of that map (reads of it now see zeros), marks the map as faulted and returns, so the
//! read completes. The owner of the map ([`super::source::MappedFile`]) reports the damage as
//! an error the next time anything is handed out. A SIGBUS outside every registered map goes
//! to the handler that was installed before (or the default action), as if we were not there.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Maps registered at once; beyond this, files are read instead of mapped.
const SLOTS: usize = 1024;

struct Slot {
    used: AtomicBool,
    /// First byte of the map; 0 while the slot is being filled or emptied.
    start: AtomicUsize,
    /// One past the last byte.
    end: AtomicUsize,
    faulted: AtomicBool,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            used: AtomicBool::new(false),
            start: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            faulted: AtomicBool::new(false),
        }
    }
}

static TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The action that was installed before ours: written once, before our handler can run.
struct Previous(UnsafeCell<MaybeUninit<libc::sigaction>>);
// SAFETY: written once inside `INSTALL.call_once` before the handler is installed, then only
// read (by the handler).
unsafe impl Sync for Previous {}
static PREVIOUS: Previous = Previous(UnsafeCell::new(MaybeUninit::zeroed()));

/// A registered map; unregisters on drop (before the map itself is unmapped).
#[derive(Debug)]
pub(crate) struct Registration {
    slot: usize,
}

impl Registration {
    /// True when a read of the map faulted (the file lost bytes while mapped).
    pub(crate) fn faulted(&self) -> bool {
        TABLE[self.slot].faulted.load(Ordering::Acquire)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let s = &TABLE[self.slot];
        s.start.store(0, Ordering::Release);
        s.end.store(0, Ordering::Release);
        s.faulted.store(false, Ordering::Release);
        s.used.store(false, Ordering::Release);
    }
}

/// Registers the map `start..start + len`; `None` when the guard cannot be installed or every
/// slot is taken (the caller then reads the file rather than mapping it).
pub(crate) fn register(start: usize, len: usize) -> Option<Registration> {
    if start == 0 || !install() {
        return None;
    }
    for (i, s) in TABLE.iter().enumerate() {
        if s.used
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            s.faulted.store(false, Ordering::Release);
            s.end.store(start.saturating_add(len), Ordering::Release);
            s.start.store(start, Ordering::Release);
            return Some(Registration { slot: i });
        }
    }
    None
}

fn install() -> bool {
    INSTALL.call_once(|| {
        // SAFETY: plain libc calls with initialised arguments; `PREVIOUS` is written before
        // the handler that reads it is installed, and never again.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page > 0 {
                PAGE.store(page as usize, Ordering::Relaxed);
            }
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut old) != 0 {
                return;
            }
            (*PREVIOUS.0.get()).write(old);
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
            new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut new.sa_mask);
            if libc::sigaction(libc::SIGBUS, &new, std::ptr::null_mut()) == 0 {
                INSTALLED.store(true, Ordering::Release);
            }
        }
    });
    INSTALLED.load(Ordering::Acquire)
}

/// The handler: only async-signal-safe work (atomics, `mmap`, `sigaction`, `raise`).
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: `info` comes from the kernel (SA_SIGINFO); `si_addr` is valid for faults
    // (si_code > 0). The zero pages replace part of a map this process owns and still holds
    // (the registration is dropped before the map), so no other memory is touched.
    unsafe {
        if !info.is_null() && (*info).si_code > 0 {
            let addr = (*info).si_addr() as usize;
            let page = PAGE.load(Ordering::Relaxed).max(1);
            for s in TABLE.iter() {
                let start = s.start.load(Ordering::Acquire);
                if start == 0 {
                    continue;
                }
                let end = s.end.load(Ordering::Acquire);
                if addr < start || addr >= end {
                    continue;
                }
                let from = addr - addr % page;
                let to = end.div_ceil(page) * page;
                let p = libc::mmap(
                    from as *mut libc::c_void,
                    to - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                );
                if p != libc::MAP_FAILED {
                    s.faulted.store(true, Ordering::Release);
                    return;
                }
            }
        }
        chain(sig, info, ctx);
    }
}

/// Passes a signal that is not ours to the action installed before ours.
unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: see `Previous`; the previous handler is called the way it was installed.
    unsafe {
        let prev = (*PREVIOUS.0.get()).assume_init_ref();
        let handler = prev.sa_sigaction;
        if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
            // Put the default action back: a fault re-executes and gets it (a core dump, as
            // without us); a signal sent by kill() is raised again.
            let mut dfl: libc::sigaction = std::mem::zeroed();
            dfl.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut dfl.sa_mask);
            libc::sigaction(sig, &dfl, std::ptr::null_mut());
            if info.is_null() || (*info).si_code <= 0 {
                libc::raise(sig);
            }
        } else if prev.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(sig, info, ctx);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use crate::core::source::{MapPolicy, Source};

    #[test]
    fn a_truncated_map_reads_zeros_and_reports_the_change() {
        let dir = std::env::temp_dir().join(format!("rs_dicom_guard_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mapped.bin");
        let page = 4096 * 4;
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&vec![7u8; page * 3])
            .unwrap();
        let src = Source::open_with(&path, MapPolicy::Always).unwrap();
        assert!(src.is_mapped());
        assert_eq!(src.bytes()[page * 2], 7);
        assert!(src.check().is_ok());
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(page as u64)
            .unwrap();
        // Would be SIGBUS without the guard: the page is beyond the file's end now.
        let tail: u64 = src.bytes()[page + 10..].iter().map(|&b| u64::from(b)).sum();
        assert_eq!(tail, 0);
        let err = src.check().unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::SourceChanged);
        assert!(src.copy_range(0, 10).is_err());
        drop(src);
        std::fs::remove_dir_all(&dir).ok();
    }
}
