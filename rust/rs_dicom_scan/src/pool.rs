//! The worker threads of a scan. On Linux each has a file-descriptor table of its own
//! (`unshare(CLONE_FILES)` when it starts): every file a scan reads is opened, read and closed,
//! and the kernel's open and close take the table's lock and write its bitmap. With one table
//! shared by the process, two workers bounce those cache lines between their cores on every
//! file, which cost about 10 % of the system time of a two-thread open/read/close loop on the
//! benchmark machine (and a shared table makes every `read` and `fstat` take a reference on
//! its file; a private one does not).
//!
//! Each thread also takes credentials of its own (the same user and capabilities, set again
//! with `capset`): every open file holds a reference to its opener's credentials, so with one
//! set shared by the process, open and close bounce its reference count between the cores
//! (about 2 % of a two-worker scan's samples, `init_file` and `__fput`, none with one).
//!
//! This is sound only because a scan never lets a descriptor cross threads: each one is
//! opened, used and closed within one closure run on one thread (a folder's listing, a file's
//! row, a batch's folder descriptor kept by its builder and dropped when the batch ends on the
//! same thread), the jobs take paths and return Arrow arrays, and nothing else runs on these
//! pools. Descriptors open before a thread starts stay valid in its copy of the table.

/// A pool of `workers` threads for scans, each with a file-descriptor table of its own where
/// the platform allows it (see the module's comment); only scan jobs may run on it.
pub fn pool(workers: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("rs_dicom-scan-{i}"))
        .start_handler(|_| {
            own_descriptor_table();
            own_credentials();
        })
        .build()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
fn own_descriptor_table() {
    // SAFETY: the threads of a scan pool never see a descriptor opened by another thread
    // after they start (the module's comment says why). On failure the thread keeps the
    // shared table, which is only slower.
    let _ = unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::FILES) };
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn own_descriptor_table() {}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn own_credentials() {
    // Setting the thread's capabilities to what they are changes nothing but makes the kernel
    // give the thread a copy of its credentials. If either call is refused (a security
    // module, say), the thread keeps the shared ones, which is only slower.
    if let Ok(caps) = rustix::thread::capabilities(None) {
        let _ = rustix::thread::set_capabilities(None, caps);
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn own_credentials() {}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, StructArray};

    /// Each row of the batches, its cells printed.
    fn rows(batches: &[StructArray]) -> Vec<String> {
        let mut out = Vec::new();
        for b in batches {
            for r in 0..b.len() {
                let cells = b.columns().iter().map(|c| format!("{:?}", c.slice(r, 1)));
                out.push(cells.collect::<Vec<_>>().join("|"));
            }
        }
        out
    }

    /// The descriptors of this process's table (Linux), to check nothing is left open.
    #[cfg(target_os = "linux")]
    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }

    #[test]
    fn a_scan_on_its_pool_equals_the_serial_scan() {
        let root = std::env::temp_dir().join(format!("rs_dicom_scan_pool_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/sample_ct.dcm"
        ))
        .unwrap();
        // Many small folders (shared out whole), one large one (read by all the threads) and
        // files that are not DICOM (error rows).
        for d in 0..24 {
            let dir = root.join(format!("s{d:02}"));
            std::fs::create_dir_all(&dir).unwrap();
            for f in 0..7 {
                std::fs::write(dir.join(format!("{f}.dcm")), &sample).unwrap();
            }
            std::fs::write(dir.join("bad"), b"not dicom").unwrap();
        }
        let big = root.join("big");
        std::fs::create_dir_all(&big).unwrap();
        for f in 0..(2 * crate::MAX_CHUNK + 5) {
            std::fs::write(
                big.join(format!("{f:05}")),
                &sample[..sample.len().min(4096)],
            )
            .unwrap();
        }
        let dir = root.to_string_lossy().into_owned();
        let scan = crate::Scan::new(&[rs_dicom::core::Tag(0x0010, 0x0010)], true).unwrap();
        let serial = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let want = serial.install(|| scan.dir_batches(&dir, true)).unwrap();
        assert_eq!(rows(&want).len(), 24 * 8 + 2 * crate::MAX_CHUNK + 5);
        #[cfg(target_os = "linux")]
        let before = open_fds();
        for workers in [1, 2, 3] {
            let pool = pool(workers).unwrap();
            for _ in 0..3 {
                let got = pool.install(|| scan.dir_batches(&dir, true)).unwrap();
                assert_eq!(rows(&got), rows(&want), "{workers} workers");
            }
        }
        #[cfg(target_os = "linux")]
        assert_eq!(open_fds(), before);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pool_thread_has_its_own_descriptor_table() {
        use std::os::fd::AsRawFd;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let pid = std::process::id();
        let shows = |table: &str, fd: i32| {
            std::fs::read_link(format!("{table}/fd/{fd}")).is_ok_and(|p| p.ends_with("Cargo.toml"))
        };
        // Open on the pool's thread: in that thread's table, not in the main thread's.
        let (mine, main) = pool(1).unwrap().install(|| {
            let f = std::fs::File::open(path).unwrap();
            let fd = f.as_raw_fd();
            (
                shows("/proc/thread-self", fd),
                shows(&format!("/proc/{pid}"), fd),
            )
        });
        assert!(mine);
        assert!(
            !main,
            "a scan thread's file is in the process's shared table"
        );
        // A plain rayon pool shares the table: the check above can tell the two apart.
        let shared = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let main = shared.install(|| {
            let f = std::fs::File::open(path).unwrap();
            shows(&format!("/proc/{pid}"), f.as_raw_fd())
        });
        assert!(main);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pool_thread_keeps_the_process_capabilities() {
        let here = rustix::thread::capabilities(None).unwrap();
        let there = pool(1)
            .unwrap()
            .install(|| rustix::thread::capabilities(None).unwrap());
        assert_eq!(there, here);
    }
}
