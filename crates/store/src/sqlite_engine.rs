//! How the SQLite store talks to SQLite: one writer thread that owns the only write connection and
//! commits queued writes together (group commit), and a pool of WAL reader connections used directly
//! from the calling task.
//!
//! Group commit: a caller's write is a closure sent over a channel. The writer takes everything queued
//! (up to [`MAX_BATCH`] jobs), runs the jobs in one transaction, each inside its own SAVEPOINT so a job
//! that fails (a stale version, a key already taken) rolls back only its own changes, COMMITs once and
//! only then answers every caller. An acknowledged write is therefore exactly as durable as with one
//! transaction per write, but a burst of N writes costs one WAL append and one lock round instead of N.
//!
//! Checkpoints (copying the WAL back into the database file, and its fsync) run on a thread and
//! connection of their own ([`Checkpointer`]), not inside a COMMIT on the writer: there they stalled
//! every queued write for milliseconds, and under a steady write load the CPU sat idle meanwhile.
//! A passive checkpoint alone never lets the WAL shrink under a steady write load, though: the
//! writer only starts the WAL over when it begins a transaction with every frame copied back, and
//! there is always a newer batch. So once the WAL passes [`RESTART_FRAMES`] the writer itself runs a
//! RESTART checkpoint between two batches (the passive ones have copied nearly everything by then), and
//! the next batch writes from the WAL's beginning again. The writer learns the WAL's length from its
//! own COMMITs (SQLite's WAL hook), not from the checkpointer: under CPU load the checkpointer thread
//! runs late, and a bound that waited for it to look let the WAL grow to many times the limit. For
//! the same reason a restart that finds a passive checkpoint copying waits for it to finish instead
//! of trying again after a later batch. A reader that stays in the WAL (another process's online
//! backup) makes the restart give up after 20 ms; it is tried again after a back-off that grows from
//! 50 ms to 2 s while it keeps failing.

use std::cell::Cell;
use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use cognate_core::store::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags, ffi};

/// At most this many writes share one transaction; bounds how long the write lock is held.
const MAX_BATCH: usize = 256;
/// Prepared statements kept per connection (the store uses about 60 distinct ones).
const STATEMENT_CACHE: usize = 128;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `PRAGMA synchronous` of every connection.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SyncMode {
    Normal,
    Full,
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => StoreError::Busy(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

/// StoreError is not Clone (it wraps driver messages); one commit failure is reported to every job.
fn same_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Busy(m) => StoreError::Busy(m.clone()),
        other => StoreError::Backend(other.to_string()),
    }
}

fn open_connection(path: &Path, sync: SyncMode) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(backend)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let sync = match sync {
        SyncMode::Normal => "NORMAL",
        SyncMode::Full => "FULL",
    };
    conn.execute_batch(&format!("PRAGMA synchronous = {sync}; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16000;")).map_err(backend)?;
    Ok(conn)
}

/// Open the write connection: switches the file to WAL (a persistent property of the database).
pub(crate) fn open_writer(path: &Path, sync: SyncMode) -> StoreResult<Connection> {
    let conn = open_connection(path, sync)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(backend)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!("cannot switch {} to WAL (journal_mode is {mode})", path.display())));
    }
    Ok(conn)
}

/// A write as the writer thread sees it: run it inside the open transaction, or fail it unrun.
trait Job: Send {
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Answer>;
    fn fail(self: Box<Self>, error: StoreError);
}

/// A job's outcome, held until the COMMIT decides it.
trait Answer: Send {
    fn succeeded(&self) -> bool;
    fn send(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct Closure<F, T> {
    work: F,
    reply: tokio::sync::oneshot::Sender<StoreResult<T>>,
}

struct Outcome<T> {
    result: StoreResult<T>,
    reply: tokio::sync::oneshot::Sender<StoreResult<T>>,
}

impl<F, T> Job for Closure<F, T>
where
    F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Answer> {
        let Closure { work, reply } = *self;
        let result = catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(StoreError::Backend("a store write panicked; it was rolled back".into())));
        Box::new(Outcome { result, reply })
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

impl<T: Send + 'static> Answer for Outcome<T> {
    fn succeeded(&self) -> bool {
        self.result.is_ok()
    }

    fn send(self: Box<Self>, commit: Result<(), &StoreError>) {
        let result = match (self.result, commit) {
            // The job's own failure stands: its savepoint was rolled back whatever the COMMIT did.
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(same_error(e)),
            (Ok(v), Ok(())) => Ok(v),
        };
        let _ = self.reply.send(result);
    }
}

enum Message {
    Write(Box<dyn Job>),
    /// Finish what is queued, close the connection, then answer.
    Close(tokio::sync::oneshot::Sender<()>),
}

/// The handle callers use; the thread exits when it is closed or dropped.
pub(crate) struct Writer {
    queue: mpsc::Sender<Message>,
}

impl Writer {
    /// Starts the writer thread on `conn` (from [`open_writer`] on `path`), and the checkpointer on a
    /// second connection to `path`.
    pub(crate) fn start(conn: Connection, path: &Path, sync: SyncMode) -> StoreResult<Writer> {
        // The writer no longer checkpoints when its COMMIT grows the WAL past 1,000 pages, and cuts
        // the WAL file back to WAL_SIZE_LIMIT when it starts it over.
        conn.execute_batch(&format!("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};")).map_err(backend)?;
        // After the pragma, which replaces any WAL hook with its own (or, at 0, with none).
        conn.wal_hook(Some(note_wal_pages));
        let checkpointer = Checkpointer::start(open_connection(path, sync)?)?;
        let (queue, jobs) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(conn, jobs, checkpointer))
            .map_err(|e| StoreError::Backend(format!("cannot start the SQLite writer thread: {e}")))?;
        Ok(Writer { queue })
    }

    /// Run `work` in the writer's transaction; answered once the transaction that holds it committed.
    /// `work` returning an error rolls back what it did, and only that.
    pub(crate) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue.send(Message::Write(Box::new(Closure { work, reply }))).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    pub(crate) async fn close(&self) {
        let (reply, done) = tokio::sync::oneshot::channel();
        if self.queue.send(Message::Close(reply)).is_ok() {
            let _ = done.await;
        }
    }
}

fn closed() -> StoreError {
    StoreError::Busy("the SQLite store is closed".into())
}

/// Committed batches between two nudges to the checkpointer. Each batch appends a few pages to the
/// WAL, so this keeps it to some hundreds of pages under load (SQLite's own default is 1,000).
const BATCHES_PER_CHECKPOINT: u32 = 32;
/// A checkpoint runs at least this often while the server is up, for a trickle of writes.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// WAL length (in pages) past which the writer starts the WAL over: 32 MiB with 4 KiB pages, about
/// a second of writes at full speed. (Small in tests, so they restart it often.)
const RESTART_FRAMES: i64 = if cfg!(test) { 64 } else { 8192 };
/// How long a WAL restart waits for readers still in the WAL, and how long the writer leaves it be
/// after a restart that could not complete: doubling from the first to the second value while
/// restarts keep failing (a long reader costs the writes at most 20 ms every 2 s).
const RESTART_WAIT: Duration = Duration::from_millis(20);
const RESTART_BACKOFF_MIN: Duration = Duration::from_millis(50);
const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(2);
/// `PRAGMA journal_size_limit`: the size the WAL file is cut back to when it is started over.
const WAL_SIZE_LIMIT: i64 = if cfg!(test) { 1 << 20 } else { 64 << 20 };

thread_local! {
    /// The WAL's length in pages as SQLite reported it after the last COMMIT that wrote to it on this
    /// thread; 0 once the writer has read it. Only the writer thread commits on the writer
    /// connection, so on that thread this is the writer's own WAL.
    static WAL_PAGES: Cell<i64> = const { Cell::new(0) };
}

/// The writer connection's WAL hook, run by SQLite after every COMMIT that appended to the WAL, on
/// the committing thread. rusqlite takes a plain `fn` here (no captured state), hence the
/// thread-local; storing an integer keeps the hook off the write path's cost.
fn note_wal_pages(_wal: &rusqlite::hooks::Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(i64::from(pages));
    Ok(())
}

/// A thread with its own connection that runs `PRAGMA wal_checkpoint(PASSIVE)` when nudged by the
/// writer and every [`CHECKPOINT_EVERY`]. A passive checkpoint never blocks the writer or readers.
struct Checkpointer {
    nudge: Option<mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Held while a checkpoint runs, passive or the writer's restart: SQLite runs one checkpoint at a
    /// time and fails a RESTART at once (no busy wait) while another is copying.
    copying: Arc<Mutex<()>>,
}

impl Checkpointer {
    fn start(conn: Connection) -> StoreResult<Checkpointer> {
        let (nudge, nudged) = mpsc::sync_channel::<()>(1);
        let copying = Arc::new(Mutex::new(()));
        let lock = copying.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                loop {
                    match nudged.recv_timeout(CHECKPOINT_EVERY) {
                        Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                    // A failed checkpoint (the disk, a busy reader) leaves the WAL longer; the next
                    // one tries again, and the data is safe in the WAL meanwhile.
                    let _copying = lock.lock().unwrap_or_else(|p| p.into_inner());
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        tracing::warn!(error = %e, "SQLite checkpoint failed");
                    }
                }
            })
            .map_err(|e| StoreError::Backend(format!("cannot start the SQLite checkpoint thread: {e}")))?;
        Ok(Checkpointer { nudge: Some(nudge), thread: Some(thread), copying })
    }

    /// Keeps the checkpointer out while the writer restarts the WAL, once a passive checkpoint that
    /// is copying right now has finished. Waiting rather than leaving the restart to a later batch:
    /// a passive checkpoint never waits for a lock (SQLite calls no busy handler for it), so the
    /// wait is only for copying that the restart would otherwise do itself; whereas under CPU load
    /// the checkpointer is often descheduled mid-copy, and skipping every time that happened let the
    /// WAL grow to many times [`RESTART_FRAMES`].
    fn restart_slot(&self) -> std::sync::MutexGuard<'_, ()> {
        self.copying.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks for a checkpoint; a no-op when one is already asked for.
    fn nudge(&self) {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    /// Stops the thread and waits for it, so its connection is closed when the store is.
    fn drop(&mut self) {
        self.nudge.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn write_loop(conn: Connection, jobs: mpsc::Receiver<Message>, checkpointer: Checkpointer) {
    let mut batches = 0u32;
    let mut next_restart = std::time::Instant::now();
    let mut backoff = RESTART_BACKOFF_MIN;
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = jobs.recv() {
        let mut close = None;
        match first {
            Message::Write(job) => batch.push(job),
            Message::Close(reply) => close = Some(reply),
        }
        while close.is_none() && batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(Message::Write(job)) => batch.push(job),
                Ok(Message::Close(reply)) => close = Some(reply),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            run_batch(&conn, batch.drain(..));
            batches += 1;
            if batches.is_multiple_of(BATCHES_PER_CHECKPOINT) {
                checkpointer.nudge();
            }
            // Taken after every batch, so a batch that wrote nothing (its COMMIT reported no length)
            // does not act on a length from before the last restart. During a back-off the next
            // COMMIT reports the length again.
            let wal_pages = WAL_PAGES.take();
            if wal_pages >= RESTART_FRAMES && std::time::Instant::now() >= next_restart {
                let _slot = checkpointer.restart_slot();
                if restart_wal(&conn) {
                    backoff = RESTART_BACKOFF_MIN;
                } else {
                    // A reader still in the WAL (or another process checkpointing): try again
                    // soon, and less often while it keeps failing.
                    next_restart = std::time::Instant::now() + backoff;
                    backoff = (backoff * 2).min(RESTART_BACKOFF_MAX);
                }
            }
        }
        if let Some(reply) = close {
            drop(checkpointer);
            drop(conn);
            let _ = reply.send(());
            return;
        }
    }
}

/// Copies what the passive checkpoints have not yet copied and waits for readers still reading from
/// the WAL (microseconds each), so the next batch writes from the WAL's beginning. Queued writes wait
/// meanwhile; that is the price of a WAL that does not grow without end. False when a reader kept
/// it from completing.
fn restart_wal(conn: &Connection) -> bool {
    // This process's readers leave the WAL within microseconds; a long reader from elsewhere (an
    // online `.backup`) must not hold every write up for the busy timeout: give up after a few
    // milliseconds (the caller then backs off before trying again).
    let _ = conn.busy_timeout(RESTART_WAIT);
    let done = match conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0)) {
        Ok(busy) => busy == 0,
        Err(e) => {
            tracing::warn!(error = %e, "SQLite WAL restart failed");
            false
        }
    };
    let _ = conn.busy_timeout(BUSY_TIMEOUT);
    done
}

fn exec(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute([])).map(drop).map_err(backend)
}

fn run_batch(conn: &Connection, batch: impl Iterator<Item = Box<dyn Job>>) {
    let mut answers: Vec<Box<dyn Answer>> = Vec::with_capacity(MAX_BATCH);
    let mut open = false;
    for job in batch {
        if !open {
            // IMMEDIATE takes the write lock now (waiting up to busy_timeout if another process has it).
            if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
                job.fail(e);
                continue;
            }
            open = true;
        }
        if let Err(e) = exec(conn, "SAVEPOINT job") {
            job.fail(e);
            continue;
        }
        let answer = job.run(conn);
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back (I/O error, disk full, ...): the jobs before this
            // one are lost too, so they are answered with the failure and the rest start afresh.
            let lost = StoreError::Backend("the transaction was rolled back by SQLite".into());
            for earlier in answers.drain(..) {
                earlier.send(Err(&lost));
            }
            answer.send(Err(&lost));
            open = false;
            continue;
        }
        let end = if answer.succeeded() {
            exec(conn, "RELEASE job")
        } else {
            exec(conn, "ROLLBACK TO job").and_then(|_| exec(conn, "RELEASE job"))
        };
        answers.push(answer);
        if let Err(e) = end {
            // A savepoint that cannot be ended leaves the transaction in an unknown state: give it up.
            let _ = conn.execute_batch("ROLLBACK");
            for earlier in answers.drain(..) {
                earlier.send(Err(&e));
            }
            open = false;
        }
    }
    if !open {
        return;
    }
    let commit = exec(conn, "COMMIT");
    if commit.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let commit = commit.as_ref().map(|_| ());
    for answer in answers {
        answer.send(commit);
    }
}

/// WAL reader connections. A reader never waits for the writer (it reads the last committed
/// snapshot), and a point read by key takes microseconds from the page cache, so reads run right on the
/// calling task instead of paying a thread hop each. The pool grows to the number of reads running at
/// once (at most the runtime's threads) and keeps `keep` idle connections.
pub(crate) struct Readers {
    path: PathBuf,
    sync: SyncMode,
    idle: Mutex<Vec<Connection>>,
    keep: usize,
}

impl Readers {
    pub(crate) fn open(path: &Path, sync: SyncMode, keep: usize) -> StoreResult<Readers> {
        let keep = keep.max(1);
        let mut idle = Vec::with_capacity(keep);
        idle.push(open_connection(path, sync)?);
        Ok(Readers { path: path.to_path_buf(), sync, idle: Mutex::new(idle), keep })
    }

    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => open_connection(&self.path, self.sync)?,
        };
        let result = work(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.keep {
            idle.push(conn);
        }
        result
    }

    pub(crate) fn close(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(dir: &tempfile::TempDir) -> (Writer, Readers) {
        let path = dir.path().join("t.db");
        let conn = open_writer(&path, SyncMode::Normal).expect("open");
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)").expect("table");
        (Writer::start(conn, &path, SyncMode::Normal).expect("start"), Readers::open(&path, SyncMode::Normal, 1).expect("readers"))
    }

    fn stored(readers: &Readers) -> Vec<i64> {
        readers.read(|c| crate::sqlite::all(c, "SELECT n FROM t ORDER BY n", [], |r| r.get(0).map_err(backend))).expect("read")
    }

    fn insert(n: i64) -> impl FnOnce(&Connection) -> StoreResult<()> + Send + 'static {
        move |c| c.execute("INSERT INTO t (n) VALUES (?)", [n]).map(drop).map_err(backend)
    }

    /// Writes queued behind a slow one share its successor's transaction; the one that fails (after
    /// changing something) or panics is rolled back alone and the others are committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_in_a_batch_rolls_back_only_itself() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, readers) = writer(&dir);
        let writer = std::sync::Arc::new(writer);
        let slow = {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .write(|c| {
                        std::thread::sleep(Duration::from_millis(200));
                        insert(1)(c)
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let failing = |c: &Connection| -> StoreResult<()> {
            insert(3)(c)?;
            Err(StoreError::Stale)
        };
        let panicking = |c: &Connection| -> StoreResult<()> {
            insert(4)(c)?;
            panic!("a bug in a write")
        };
        let (a, b, c, d, e) = tokio::join!(
            writer.write(insert(2)),
            writer.write(failing),
            writer.write(panicking),
            writer.write(insert(5)),
            writer.write(insert(2)),
        );
        slow.await.expect("task").expect("slow write");
        a.expect("insert 2");
        assert!(matches!(b, Err(StoreError::Stale)));
        assert!(matches!(c, Err(StoreError::Backend(_))));
        d.expect("insert 5");
        assert!(e.is_err_and(|e| is_unique(&e)), "the second insert of 2 violates the key");
        assert_eq!(stored(&readers), vec![1, 2, 5]);
        writer.close().await;
        assert!(matches!(writer.write(insert(6)).await, Err(StoreError::Busy(_))), "a closed store refuses writes");
    }

    /// Rows that reached the database file itself: an immutable connection ignores the WAL. It also
    /// ignores locks, so a checkpoint writing the file meanwhile can make the read fail: 0 then.
    fn checkpointed_rows(path: &Path) -> i64 {
        let uri = format!("file:{}?immutable=1", path.display());
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        Connection::open_with_flags(uri, flags).and_then(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))).unwrap_or(0)
    }

    /// The writer never checkpoints; the checkpointer copies committed writes into the database
    /// file on its own, when nudged by the writer and on its timer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn committed_writes_reach_the_database_file_through_the_checkpointer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (writer, readers) = writer(&dir);
        let path = dir.path().join("t.db");
        let autocheckpoint: i64 =
            writer.write(|c| c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).map_err(backend)).await.expect("pragma");
        assert_eq!(autocheckpoint, 0, "the writer leaves checkpoints to the checkpointer");
        for n in 0..100 {
            writer.write(insert(n)).await.expect("insert");
        }
        assert_eq!(stored(&readers).len(), 100);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while checkpointed_rows(&path) < 100 {
            assert!(std::time::Instant::now() < deadline, "no checkpoint within 10 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        writer.close().await;
    }

    /// Under a steady stream of writes the WAL is started over instead of growing with every write:
    /// 3,000 writes of 4 KiB each would make a WAL of more than 12 MiB.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_a_steady_write_load() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let conn = open_writer(&path, SyncMode::Normal).expect("open");
        conn.execute_batch("CREATE TABLE b (n INTEGER PRIMARY KEY, body BLOB NOT NULL)").expect("table");
        let writer = Writer::start(conn, &path, SyncMode::Normal).expect("start");
        let wal = dir.path().join("t.db-wal");
        let mut largest = 0;
        for n in 0..3000i64 {
            writer
                .write(move |c| c.execute("INSERT INTO b (n, body) VALUES (?, zeroblob(4096))", [n]).map(drop).map_err(backend))
                .await
                .expect("insert");
            largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        }
        assert!(largest < 4 << 20, "the WAL grew to {largest} bytes");
        let rows: i64 = writer.write(|c| c.query_row("SELECT count(*) FROM b", [], |r| r.get(0)).map_err(backend)).await.expect("count");
        assert_eq!(rows, 3000);
        writer.close().await;
    }

    /// A reader that keeps a snapshot open (another process's online backup) keeps the WAL from
    /// being started over, but must not stall the writes: each restart gives up after
    /// [`RESTART_WAIT`], far below the busy timeout.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_reader_does_not_stall_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let conn = open_writer(&path, SyncMode::Normal).expect("open");
        conn.execute_batch("CREATE TABLE b (n INTEGER PRIMARY KEY, body BLOB NOT NULL)").expect("table");
        let writer = Writer::start(conn, &path, SyncMode::Normal).expect("start");
        let write = |n: i64| writer.write(move |c| c.execute("INSERT INTO b VALUES (?, zeroblob(4096))", [n]).map(drop).map_err(backend));
        write(0).await.expect("first row");
        let backup = Connection::open(&path).expect("reader");
        backup.execute_batch("BEGIN; SELECT count(*) FROM b;").expect("open snapshot");
        let started = std::time::Instant::now();
        for n in 1..600 {
            write(n).await.expect("insert while the snapshot is open");
        }
        assert!(started.elapsed() < BUSY_TIMEOUT, "writes waited {:?} behind the open snapshot", started.elapsed());
        backup.execute_batch("COMMIT").expect("close snapshot");
        writer.close().await;
    }

    fn is_unique(e: &StoreError) -> bool {
        matches!(e, StoreError::Backend(m) if m.contains("UNIQUE"))
    }
}
