//! Whole-server benchmarks: the pieces the load generator (`src/bin/loadgen.rs`) and the
//! echo servers (`src/bin/echo-*.rs`) share.
//!
//! Every echo server takes its listening address as its only argument (default
//! `127.0.0.1:9001`), echoes every text and binary message with its type, and is written
//! the way its crate's README or echo example shows, with two changes made to all of
//! them alike: the open-file limit is raised to its hard limit (for 10,000 idle
//! connections) and accepted sockets get `TCP_NODELAY` (as npm `ws` does by default), so
//! that Nagle's algorithm does not decide the latency of small echoes.
//!
//! `scripts/bench-servers.py` builds and runs them; BENCHMARKS.md ("Whole servers") has
//! the results and how to reproduce them.

pub mod procfs;

/// The listening address from the first command-line argument (default `127.0.0.1:9001`).
pub fn listen_addr() -> String {
    std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".to_owned())
}

/// Raises this process's soft limit on open files to its hard limit (20,000 on the
/// benchmark machine); the default soft limit of 1,024 is below the idle-memory points.
pub fn raise_open_files() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write one rlimit through a valid pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
