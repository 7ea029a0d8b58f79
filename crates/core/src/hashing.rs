//! The threads that run argon2id: one per core, each keeping its 19 MiB of argon2 memory
//! ([`Workspace`]) from one hash to the next.
//!
//! Why not `spawn_blocking`: the blocking pool grows to hundreds of threads, and every thread that
//! ever hashed would hold (or make its allocator hold) a 19 MiB block; with a fresh block per hash
//! the page faults were a large part of each hash instead. A fixed pool bounds the memory at one
//! block per core and runs at most one hash per core, which is all the CPU there is; further
//! hashes wait in the queue. A thread that has had nothing to hash for [`IDLE_RELEASE`] gives its
//! block back, so an idle server does not keep them.
//!
//! The queue is bounded ([`WAITING_PER_THREAD`] jobs per thread): past it a sign-in is answered
//! `TooManyRequestsException` at once instead of joining a backlog that grows without end under a
//! flood of password guesses (and that every honest sign-in would then wait behind).

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use cognate_crypto::password::Workspace;

type Job = Box<dyn FnOnce(&mut Workspace) + Send>;

/// How long a hashing thread keeps its argon2 memory without using it.
const IDLE_RELEASE: Duration = Duration::from_secs(30);
/// Jobs that may wait per hashing thread. A hash takes about 10 ms of a core, so a full queue is
/// about a second of work: a caller waits at most that long.
const WAITING_PER_THREAD: usize = 100;

/// Jobs waiting for a hashing thread. A condition variable rather than a shared channel receiver,
/// so every idle thread waits (and times out) on its own.
struct Queue {
    jobs: Mutex<VecDeque<Job>>,
    ready: Condvar,
    /// Threads that started; with none, jobs are refused instead of waiting forever.
    threads: usize,
    /// Jobs that may wait before new ones are refused.
    capacity: usize,
}

/// Why a job did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full: too many hashes are waiting.
    Busy,
    /// No hashing thread could start, or the job panicked.
    Failed,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Job>> {
        // A poisoned lock only means a thread panicked while holding it; the queue is still valid.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn queue() -> &'static Queue {
    static QUEUE: OnceLock<Queue> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let wanted = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let mut threads = 0;
        for i in 0..wanted {
            match std::thread::Builder::new().name(format!("argon2id-{i}")).spawn(work) {
                Ok(_) => threads += 1,
                Err(e) => tracing::error!(error = %e, "cannot start a password hashing thread"),
            }
        }
        Queue { jobs: Mutex::new(VecDeque::new()), ready: Condvar::new(), threads, capacity: threads * WAITING_PER_THREAD }
    })
}

fn work() {
    let queue = queue();
    let mut workspace = Workspace::default();
    let mut jobs = queue.lock();
    loop {
        let Some(job) = jobs.pop_front() else {
            let (guard, waited) = queue.ready.wait_timeout(jobs, IDLE_RELEASE).unwrap_or_else(|p| p.into_inner());
            jobs = guard;
            if waited.timed_out() && jobs.is_empty() {
                workspace = Workspace::default();
            }
            continue;
        };
        drop(jobs);
        // A panicking job drops its answer channel (its caller sees an internal error); the thread
        // carries on with a fresh workspace.
        if catch_unwind(AssertUnwindSafe(|| job(&mut workspace))).is_err() {
            workspace = Workspace::default();
        }
        jobs = queue.lock();
    }
}

/// Runs `f` on a hashing thread and returns what it returns.
pub async fn run<T: Send + 'static>(f: impl FnOnce(&mut Workspace) -> T + Send + 'static) -> Result<T, Refused> {
    submit(f)?.await.map_err(|_| Refused::Failed)
}

/// Queues `f` (or refuses it at once when the queue is full); the receiver gets its answer.
fn submit<T: Send + 'static>(f: impl FnOnce(&mut Workspace) -> T + Send + 'static) -> Result<tokio::sync::oneshot::Receiver<T>, Refused> {
    let queue = queue();
    if queue.threads == 0 {
        return Err(Refused::Failed);
    }
    #[cfg(test)]
    let _ = JOBS.try_with(|jobs| jobs.set(jobs.get() + 1));
    let (answer, answered) = tokio::sync::oneshot::channel();
    {
        let mut jobs = queue.lock();
        if jobs.len() >= queue.capacity {
            return Err(Refused::Busy);
        }
        jobs.push_back(Box::new(move |workspace| {
            let _ = answer.send(f(workspace));
        }));
    }
    queue.ready.notify_one();
    Ok(answered)
}

#[cfg(test)]
tokio::task_local! {
    /// Jobs handed to the hashing threads by the task [`count_jobs`] runs.
    static JOBS: std::cell::Cell<usize>;
}

/// What `work` returns, and how many jobs it ran on the hashing threads: for tests that check a
/// request costs a hash.
#[cfg(test)]
pub(crate) async fn count_jobs<T>(work: impl std::future::Future<Output = T>) -> (T, usize) {
    JOBS.scope(std::cell::Cell::new(0), async {
        let out = work.await;
        (out, JOBS.with(std::cell::Cell::get))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_a_panicking_one() {
        assert_eq!(run(|_| 2 + 2).await, Ok(4));
        assert_eq!(run(|_| -> u8 { panic!("boom") }).await, Err(Refused::Failed));
        let phc = run(|ws| cognate_crypto::password::hash_in(ws, "pw").ok()).await.ok().flatten().expect("hash");
        // Eight at once on fewer threads: each answer reaches its own caller.
        let checks: Vec<_> = (0..8)
            .map(|i| {
                let phc = phc.clone();
                tokio::spawn(run(move |ws| cognate_crypto::password::verify_in(ws, if i % 2 == 0 { "pw" } else { "nope" }, &phc)))
            })
            .collect();
        for (i, check) in checks.into_iter().enumerate() {
            assert_eq!(check.await.expect("task"), Ok(i % 2 == 0), "check {i}");
        }
    }

    /// Past the bound, a job is refused at once rather than queued, and every job accepted still
    /// gets its answer. (Other tests share the queue, so only what is certain is asserted.)
    #[tokio::test]
    async fn a_full_queue_refuses_new_jobs() {
        let gate = std::sync::Arc::new((Mutex::new(false), Condvar::new()));
        let mut accepted = Vec::new();
        let refused = loop {
            let gate = gate.clone();
            let held = submit(move |_: &mut Workspace| {
                let (open, opened) = &*gate;
                let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
                while !*open {
                    open = opened.wait(open).unwrap_or_else(|p| p.into_inner());
                }
            });
            match held {
                Ok(answer) => accepted.push(answer),
                Err(why) => break why,
            }
            assert!(accepted.len() <= queue().threads + queue().capacity, "the queue never refused");
        };
        assert_eq!(refused, Refused::Busy);
        assert!(accepted.len() >= queue().capacity, "refused before the queue was full");
        let (open, opened) = &*gate;
        *open.lock().unwrap_or_else(|p| p.into_inner()) = true;
        opened.notify_all();
        for answer in accepted {
            assert_eq!(answer.await, Ok(()));
        }
        assert_eq!(run(|_| 1).await, Ok(1));
    }
}
