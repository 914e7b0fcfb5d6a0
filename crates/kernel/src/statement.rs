//! One statement execution: submit, poll to a terminal state, stream the result. `cancel()`, the
//! timeout and `close()` never queue behind an in-flight call. A stop never abandons a running
//! statement: it is cancelled on the server as soon as its id is known and polled on to the
//! server's verdict, so the caller hears `Cancelled` or `Timeout` only when the statement did not
//! complete, never for a committed change.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use reqwest::Method;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::config::PollConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::results::{Chunk, ResultMemory, ResultStream, StreamContext};
use crate::retry::Operation;
use crate::session::{is_session_gone, Session};
use crate::sql_error::statement_failure;
use crate::wire::{
    ColumnInfo, ExecuteRequest, ParameterItem, QueryTag, StatementResponse, StatementState,
};

/// How result rows are encoded on the wire. Arrow is the driver's path; the others exist for
/// servers and callers that need them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResultFormat {
    #[default]
    ArrowStream,
    JsonArray,
    Csv,
}

impl ResultFormat {
    pub fn wire(self) -> &'static str {
        match self {
            ResultFormat::ArrowStream => "ARROW_STREAM",
            ResultFormat::JsonArray => "JSON_ARRAY",
            ResultFormat::Csv => "CSV",
        }
    }
}

/// Where result rows travel: inside the API answer, behind pre-signed links, or either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Disposition {
    #[default]
    InlineOrExternalLinks,
    Inline,
    ExternalLinks,
}

impl Disposition {
    pub fn wire(self) -> &'static str {
        match self {
            Disposition::InlineOrExternalLinks => "INLINE_OR_EXTERNAL_LINKS",
            Disposition::Inline => "INLINE",
            Disposition::ExternalLinks => "EXTERNAL_LINKS",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ExecuteOptions {
    pub parameters: Vec<ParameterItem>,
    pub format: ResultFormat,
    pub disposition: Disposition,
    /// Client-side limit on submission plus polling; the statement is cancelled on the server.
    pub timeout: Option<Duration>,
    pub row_limit: Option<i64>,
    pub query_tags: Vec<QueryTag>,
    /// The caller may stop this execute (an abort signal): submit without waiting on the server,
    /// as with a timeout, so a stop reaches the statement at once (see `submit`).
    pub stoppable: bool,
}

/// What is known of a succeeded statement before its rows are read.
#[derive(Debug, Clone)]
pub struct ResultInfo {
    pub statement_id: String,
    pub columns: Vec<ColumnInfo>,
    pub total_row_count: Option<i64>,
    pub total_chunk_count: Option<i64>,
    pub truncated: bool,
    pub schema: SchemaRef,
}

/// The pause before the next poll of a statement `age` old: none while it is younger than
/// `initial` (a short statement ends within a round trip or two, and any pause would dominate
/// its latency), then an eighth of its age, from 1 ms up to `max`. A completion is seen at most
/// about an eighth of the statement's age late, with a number of polls that grows with the
/// logarithm of its run time.
fn poll_wait(age: Duration, poll: &PollConfig) -> Duration {
    if age < poll.initial {
        return Duration::ZERO;
    }
    (age / 8).max(Duration::from_millis(1)).min(poll.max)
}

/// What stopped a statement first: decides the error a cancelled statement raises.
#[derive(Debug, Clone, Copy)]
enum StopReason {
    Cancelled,
    Timeout(Duration),
}

pub struct Statement {
    conn: Arc<Session>,
    /// Tripped by `cancel()`, the timeout and `close()`: execute asks the server to cancel (as
    /// soon as the statement id is known) and polls on to the verdict.
    stop: CancellationToken,
    /// Stops the result stream, even while a fetch holds it. A stop before the result exists
    /// does not: the statement completed despite it, and its result is the caller's to read.
    stream_stop: SyncMutex<Option<CancellationToken>>,
    stop_reason: SyncMutex<Option<StopReason>>,
    /// Tripped when the handle is dropped: a submission still in flight then cancels and closes
    /// the statement itself once its id is known.
    abandoned: CancellationToken,
    id: Arc<SyncMutex<Option<String>>>,
    started: AtomicBool,
    /// An execute is in flight: it owns the cancel request, and closes the statement on the server
    /// itself if `close()` came meanwhile.
    executing: AtomicBool,
    /// Nothing is left to cancel on the server: the statement ended, or the cancel was sent.
    settled: Arc<AtomicBool>,
    closed: AtomicBool,
    results: Mutex<Option<ResultStream>>,
    /// The budget of the current result, readable while a fetch holds `results`.
    memory: SyncMutex<Option<ResultMemory>>,
}

/// Raises a flag for as long as it lives, so a dropped future lowers it too.
struct Raised<'a>(&'a AtomicBool);

impl<'a> Raised<'a> {
    fn new(flag: &'a AtomicBool) -> Self {
        flag.store(true, SeqCst);
        Raised(flag)
    }
}

impl Drop for Raised<'_> {
    fn drop(&mut self) {
        self.0.store(false, SeqCst);
    }
}

impl Statement {
    pub(crate) fn new(conn: Arc<Session>) -> Statement {
        Statement {
            conn,
            stop: CancellationToken::new(),
            stop_reason: SyncMutex::new(None),
            stream_stop: SyncMutex::new(None),
            abandoned: CancellationToken::new(),
            id: Arc::new(SyncMutex::new(None)),
            started: AtomicBool::new(false),
            executing: AtomicBool::new(false),
            settled: Arc::new(AtomicBool::new(false)),
            closed: AtomicBool::new(false),
            results: Mutex::new(None),
            memory: SyncMutex::new(None),
        }
    }

    pub fn statement_id(&self) -> Option<String> {
        self.id.lock().expect("statement id lock").clone()
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(SeqCst) {
            return Err(Error::closed("the statement"));
        }
        if self.conn.is_closed() {
            return Err(Error::closed("the connection"));
        }
        Ok(())
    }

    /// Runs `sql` to completion and prepares its result stream. After a stop (cancel, timeout,
    /// close) it still resolves when the server completed the statement first.
    pub async fn execute(&self, sql: &str, options: ExecuteOptions) -> Result<ResultInfo> {
        self.check_open()?;
        if self.started.swap(true, SeqCst) {
            return Err(Error::invalid_argument(
                "a statement handle runs one statement; create another",
            ));
        }
        let outcome = {
            let _executing = Raised::new(&self.executing);
            let run = self.run(sql, &options);
            tokio::pin!(run);
            match options.timeout {
                None => run.await,
                Some(limit) => tokio::select! {
                    r = &mut run => r,
                    _ = tokio::time::sleep(limit) => {
                        self.stop_locally(StopReason::Timeout(limit));
                        run.await
                    }
                },
            }
        };
        // close() came while the statement ran: it was left to this call, which knows the id.
        if self.closed.load(SeqCst) {
            if let Some(id) = self.statement_id() {
                close_remote(&self.conn.api, &id).await;
            }
        }
        outcome.map_err(|e| {
            let mut e = self.stopped_as(e);
            if e.statement_id.is_none() {
                e.statement_id = self.statement_id();
            }
            e
        })
    }

    /// A cancellation reads as the timeout when the timeout stopped the statement.
    fn stopped_as(&self, error: Error) -> Error {
        let reason = *self.stop_reason.lock().expect("stop reason lock");
        match reason {
            Some(StopReason::Timeout(limit)) if error.code == ErrorCode::Cancelled => Error::new(
                ErrorCode::Timeout,
                format!(
                    "the statement did not finish within {} ms and was cancelled",
                    limit.as_millis()
                ),
            ),
            _ => error,
        }
    }

    async fn run(&self, sql: &str, options: &ExecuteOptions) -> Result<ResultInfo> {
        let mut session_id = self.conn.session_id().await?;
        let mut reopened = false;
        let response = loop {
            // Nothing was accepted yet: a stop ends the call here, and nothing ran.
            if self.stop.is_cancelled() {
                return Err(Error::cancelled(
                    "the statement was cancelled before it was sent",
                ));
            }
            match self.submit(sql, &session_id, options).await {
                Err(e) if !reopened && is_session_gone(&e) => {
                    session_id = self.conn.reopen_session(&session_id).await?;
                    reopened = true;
                }
                other => break other?,
            }
        };
        let response = self.poll(response).await?;
        self.settled.store(true, SeqCst);
        let id = response.statement_id.clone();
        match response.status.state {
            // Completed, even if a stop came meanwhile: the caller is told the truth.
            StatementState::Succeeded => {}
            StatementState::Failed => return Err(statement_failure(&id, &response.status)),
            StatementState::Canceled => {
                return Err(Error::cancelled("the statement was cancelled").with_statement_id(id))
            }
            StatementState::Closed => {
                return Err(Error::closed("the statement (on the server)").with_statement_id(id))
            }
            other => {
                return Err(Error::internal(format!(
                    "the statement ended in an unexpected state {}",
                    other.name()
                ))
                .with_statement_id(id))
            }
        }
        let manifest = response.manifest.unwrap_or_default();
        let stream_stop = CancellationToken::new();
        *self.stream_stop.lock().expect("stream stop lock") = Some(stream_stop.clone());
        let stream = ResultStream::start(
            StreamContext {
                api: self.conn.api.clone(),
                downloads: self.conn.downloads.clone(),
                config: self.conn.config.results.clone(),
                statement_id: id.clone(),
            },
            &manifest,
            response.result,
            stream_stop,
        )
        .map_err(|e| e.with_statement_id(id.clone()))?;
        let info = ResultInfo {
            statement_id: id,
            columns: manifest.columns().to_vec(),
            total_row_count: manifest.total_row_count,
            total_chunk_count: manifest.total_chunk_count,
            truncated: manifest.truncated.unwrap_or(false),
            schema: stream.manifest_schema(),
        };
        if !self.closed.load(SeqCst) {
            *self.memory.lock().expect("result memory lock") = Some(stream.memory());
            *self.results.lock().await = Some(stream);
        }
        Ok(info)
    }

    /// Submits the statement. A stop does not abandon the request in flight (its answer names
    /// the statement to cancel); it only ends a wait between retries, when nothing was accepted.
    ///
    /// By default (`wait_timeout_secs` 0) the submission does not wait on the server: the id is
    /// known at once, so `cancel()`, a timeout or an abort reaches the statement whatever the
    /// moment. A connection that asks for a wait (5-50 s) saves a tiny statement a poll (one
    /// round trip), but a `cancel()` that comes while its submission waits is sent only when the
    /// answer names the statement; a timeout or an abort signal still submits without waiting.
    async fn submit(
        &self,
        sql: &str,
        session_id: &str,
        options: &ExecuteOptions,
    ) -> Result<StatementResponse> {
        let config = &self.conn.config;
        let body = serde_json::to_value(ExecuteRequest {
            statement: sql,
            warehouse_id: &self.conn.warehouse_id,
            session_id,
            disposition: options.disposition.wire(),
            format: options.format.wire(),
            wait_timeout: if options.timeout.is_some() || options.stoppable {
                "0s".to_string()
            } else {
                format!("{}s", config.poll.wait_timeout_secs)
            },
            on_wait_timeout: "CONTINUE",
            result_compression: (config.results.lz4 && options.format == ResultFormat::ArrowStream)
                .then_some("LZ4_FRAME"),
            row_limit: options.row_limit,
            parameters: &options.parameters,
            query_tags: &options.query_tags,
        })
        .map_err(|e| Error::internal(format!("could not encode the request: {e}")))?;
        let api = self.conn.api.clone();
        let id_slot = self.id.clone();
        let settled = self.settled.clone();
        let stop = self.stop.clone();
        let abandoned = self.abandoned.clone();
        // In its own task: if the handle is dropped while the request is in flight, the task
        // still learns the statement id, and cancels and closes the statement on the server.
        let task = tokio::spawn(async move {
            let r: Result<StatementResponse> = api
                .call(
                    Operation::ExecuteStatement,
                    Method::POST,
                    "/api/2.0/sql/statements",
                    Some(&body),
                    &stop,
                )
                .await;
            if let Ok(resp) = &r {
                *id_slot.lock().expect("statement id lock") = Some(resp.statement_id.clone());
                if resp.status.state.is_terminal() {
                    settled.store(true, SeqCst);
                }
                if abandoned.is_cancelled() {
                    if !settled.swap(true, SeqCst) {
                        cancel_remote(&api, &resp.statement_id).await;
                    }
                    close_remote(&api, &resp.statement_id).await;
                }
            }
            r
        });
        task.await
            .map_err(|e| Error::internal(format!("statement submission stopped: {e}")))?
    }

    /// Polls to a terminal state (see `poll_wait`). A stop sends the cancel (once) and polls on
    /// at once, to learn whether the server cancelled or completed the statement.
    async fn poll(&self, mut response: StatementResponse) -> Result<StatementResponse> {
        let poll = &self.conn.config.poll;
        let path = format!("/api/2.0/sql/statements/{}", response.statement_id);
        let submitted = Instant::now();
        let mut wait = Duration::ZERO;
        while !response.status.state.is_terminal() {
            if self.stop.is_cancelled() {
                if !self.settled.swap(true, SeqCst) {
                    cancel_remote(&self.conn.api, &response.statement_id).await;
                }
            } else if !wait.is_zero() {
                tokio::select! {
                    biased;
                    _ = self.stop.cancelled() => continue,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            wait = poll_wait(submitted.elapsed(), poll);
            response = self
                .conn
                .api
                .call::<(), _>(
                    Operation::GetStatement,
                    Method::GET,
                    &path,
                    None,
                    &CancellationToken::new(),
                )
                .await?;
        }
        Ok(response)
    }

    /// The next chunk of the result, as decoded Arrow plus its IPC bytes.
    pub async fn next_chunk(&self) -> Result<Option<Chunk>> {
        self.check_open()?;
        let mut guard = self.results.lock().await;
        let stream = guard.as_mut().ok_or_else(|| {
            Error::invalid_argument("the statement has no result: execute it first")
        })?;
        stream.next_chunk().await
    }

    /// `next_chunk` if it can answer without waiting (the chunk is decoded, the result ended or
    /// failed); `None` otherwise, or while another call holds the result.
    pub fn ready_chunk(&self) -> Option<Result<Option<Chunk>>> {
        if let Err(e) = self.check_open() {
            return Some(Err(e));
        }
        let mut guard = self.results.try_lock().ok()?;
        guard.as_mut()?.ready_chunk()
    }

    pub async fn next_batch(&self) -> Result<Option<RecordBatch>> {
        self.check_open()?;
        let mut guard = self.results.lock().await;
        let stream = guard.as_mut().ok_or_else(|| {
            Error::invalid_argument("the statement has no result: execute it first")
        })?;
        stream.next_batch().await
    }

    /// The memory budget of the current result and the bytes it holds now (see `ResultMemory`);
    /// `None` before the first successful execute.
    pub fn result_memory(&self) -> Option<ResultMemory> {
        self.memory.lock().expect("result memory lock").clone()
    }

    /// Stops local work at once and asks the server to cancel. Returns without waiting for any
    /// in-flight call: a pending execute rejects once the server cancelled the statement (or
    /// resolves, if it completed first); buffered results are freed here, or by a pending fetch.
    pub fn cancel(&self) {
        self.stop_locally(StopReason::Cancelled);
        if !self.executing.load(SeqCst) {
            self.cancel_on_server();
        }
    }

    fn stop_locally(&self, reason: StopReason) {
        self.stop_reason
            .lock()
            .expect("stop reason lock")
            .get_or_insert(reason);
        self.stop.cancel();
        if let Some(stream_stop) = &*self.stream_stop.lock().expect("stream stop lock") {
            stream_stop.cancel();
        }
        if let Ok(mut results) = self.results.try_lock() {
            if let Some(stream) = results.as_mut() {
                stream.cancel();
            }
        }
    }

    fn cancel_on_server(&self) {
        let Some(id) = self.statement_id() else {
            return;
        };
        if !self.settled.swap(true, SeqCst) {
            let api = self.conn.api.clone();
            self.conn
                .runtime
                .spawn(async move { cancel_remote(&api, &id).await });
        }
    }

    /// Idempotent, best-effort: stops downloads, frees buffered results, cancels a running
    /// statement and closes it on the server. An execute in flight is not abandoned: it learns
    /// the verdict, then closes the statement itself.
    pub async fn close(&self) -> Result<()> {
        if self.closed.swap(true, SeqCst) {
            return Ok(());
        }
        self.stop_locally(StopReason::Cancelled);
        if let Some(mut stream) = self.results.lock().await.take() {
            stream.cancel();
        }
        if self.executing.load(SeqCst) {
            return Ok(());
        }
        if let Some(id) = self.statement_id() {
            if !self.settled.swap(true, SeqCst) {
                cancel_remote(&self.conn.api, &id).await;
            }
            close_remote(&self.conn.api, &id).await;
        }
        Ok(())
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        self.abandoned.cancel();
        if self.closed.load(SeqCst) {
            return;
        }
        self.stop.cancel();
        let Some(id) = self.statement_id() else {
            return;
        };
        let api = self.conn.api.clone();
        let running = !self.settled.swap(true, SeqCst);
        self.conn.runtime.spawn(async move {
            if running {
                cancel_remote(&api, &id).await;
            }
            close_remote(&api, &id).await;
        });
    }
}

async fn cancel_remote(api: &crate::http::ApiClient, id: &str) {
    let path = format!("/api/2.0/sql/statements/{id}/cancel");
    let _ignored: Result<serde_json::Value> = api
        .call::<(), _>(
            Operation::CancelStatement,
            Method::POST,
            &path,
            None,
            &CancellationToken::new(),
        )
        .await;
}

async fn close_remote(api: &crate::http::ApiClient, id: &str) {
    let path = format!("/api/2.0/sql/statements/{id}");
    let _ignored: Result<serde_json::Value> = api
        .call::<(), _>(
            Operation::CloseStatement,
            Method::DELETE,
            &path,
            None,
            &CancellationToken::new(),
        )
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_to_back_while_young_then_after_an_eighth_of_the_age() {
        let poll = PollConfig {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(500),
            wait_timeout_secs: 0,
        };
        let ms = Duration::from_millis;
        assert_eq!(poll_wait(ms(0), &poll), Duration::ZERO);
        assert_eq!(
            poll_wait(Duration::from_micros(4_900), &poll),
            Duration::ZERO
        );
        assert_eq!(poll_wait(ms(5), &poll), ms(1));
        assert_eq!(poll_wait(ms(16), &poll), ms(2));
        assert_eq!(poll_wait(ms(400), &poll), ms(50));
        assert_eq!(poll_wait(ms(60_000), &poll), ms(500));
        let eager = PollConfig {
            initial: Duration::ZERO,
            ..poll
        };
        assert_eq!(poll_wait(ms(2), &eager), ms(1));
    }
}
