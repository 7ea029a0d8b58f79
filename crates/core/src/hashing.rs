//! The threads that run argon2id: one per core, each keeping its 19 MiB of argon2 memory
//! ([`Workspace`]) from one hash to the next.
//!
//! Why not `spawn_blocking`: the blocking pool grows to hundreds of threads, and every thread that
//! ever hashed would hold (or make its allocator hold) a 19 MiB block; with a fresh block per hash
//! the page faults were a large part of each hash instead. A fixed pool bounds the memory at one
//! block per core and runs at most one hash per core, which is all the CPU there is; further
//! hashes wait in the queue. A thread that has had nothing to hash for [`IDLE_RELEASE`] gives its
//! block back, so an idle server does not keep them.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use cognate_crypto::password::Workspace;

type Job = Box<dyn FnOnce(&mut Workspace) + Send>;

/// How long a hashing thread keeps its argon2 memory without using it.
const IDLE_RELEASE: Duration = Duration::from_secs(30);

fn queue() -> &'static mpsc::Sender<Job> {
    static QUEUE: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        for i in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2id-{i}")).spawn(move || work(&receiver));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        // If no thread started, the receiver is gone with them and every job is refused at once
        // (an internal error), rather than waiting forever.
        sender
    })
}

fn work(receiver: &Mutex<mpsc::Receiver<Job>>) {
    let mut workspace = Workspace::default();
    loop {
        // The lock is held only while waiting for a job, never while running one.
        let job = match receiver.lock() {
            Ok(r) => r.recv_timeout(IDLE_RELEASE),
            Err(poisoned) => poisoned.into_inner().recv_timeout(IDLE_RELEASE),
        };
        let job = match job {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                workspace = Workspace::default();
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        // A panicking job drops its answer channel (its caller sees an internal error); the thread
        // and its workspace carry on.
        if catch_unwind(AssertUnwindSafe(|| job(&mut workspace))).is_err() {
            workspace = Workspace::default();
        }
    }
}

/// Runs `f` on a hashing thread and returns what it returns; `None` if it could not run (no
/// hashing thread, or `f` panicked).
pub async fn run<T: Send + 'static>(f: impl FnOnce(&mut Workspace) -> T + Send + 'static) -> Option<T> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |workspace| {
        let _ = answer.send(f(workspace));
    });
    queue().send(job).ok()?;
    answered.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_a_panicking_one() {
        assert_eq!(run(|_| 2 + 2).await, Some(4));
        assert_eq!(run(|_| -> u8 { panic!("boom") }).await, None);
        let phc = run(|ws| cognate_crypto::password::hash_in(ws, "pw").ok()).await.flatten().expect("hash");
        // Eight at once on fewer threads: each answer reaches its own caller.
        let checks: Vec<_> = (0..8)
            .map(|i| {
                let phc = phc.clone();
                tokio::spawn(run(move |ws| cognate_crypto::password::verify_in(ws, if i % 2 == 0 { "pw" } else { "nope" }, &phc)))
            })
            .collect();
        for (i, check) in checks.into_iter().enumerate() {
            assert_eq!(check.await.expect("task"), Some(i % 2 == 0), "check {i}");
        }
    }
}
