//! One statement execution: submit, poll to a terminal state, stream the result. `cancel()` and
//! `close()` never queue behind an in-flight fetch: they trip a cancellation token first, and
//! talk to the server with their own requests.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::Duration;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use reqwest::Method;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

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

pub struct Statement {
    conn: Arc<Session>,
    cancel: CancellationToken,
    id: Arc<SyncMutex<Option<String>>>,
    /// Nothing is left to cancel on the server: the statement ended, or a cancel was sent.
    settled: Arc<AtomicBool>,
    closed: AtomicBool,
    results: Mutex<Option<ResultStream>>,
    /// The budget of the current result, readable while a fetch holds `results`.
    memory: SyncMutex<Option<ResultMemory>>,
}

impl Statement {
    pub(crate) fn new(conn: Arc<Session>) -> Statement {
        Statement {
            conn,
            cancel: CancellationToken::new(),
            id: Arc::new(SyncMutex::new(None)),
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

    /// Runs `sql` to completion and prepares its result stream.
    pub async fn execute(&self, sql: &str, options: ExecuteOptions) -> Result<ResultInfo> {
        self.check_open()?;
        if self.id.lock().expect("statement id lock").is_some() {
            return Err(Error::invalid_argument(
                "a statement handle runs one statement; create another",
            ));
        }
        let run = self.run(sql, &options);
        tokio::pin!(run);
        let outcome = match options.timeout {
            None => run.await,
            Some(limit) => tokio::select! {
                r = &mut run => r,
                _ = tokio::time::sleep(limit) => {
                    // Unwind through the token rather than dropping the run, so a submission still
                    // in flight learns its id and is cancelled on the server.
                    self.cancel.cancel();
                    let _cancelled = run.await;
                    Err(Error::new(
                        ErrorCode::Timeout,
                        format!("the statement did not finish within {} ms and was cancelled", limit.as_millis()),
                    ))
                }
            },
        };
        match outcome {
            Ok(info) => Ok(info),
            Err(mut e) => {
                if matches!(e.code, ErrorCode::Cancelled | ErrorCode::Timeout) {
                    self.cancel_on_server();
                }
                if e.statement_id.is_none() {
                    e.statement_id = self.statement_id();
                }
                Err(e)
            }
        }
    }

    async fn run(&self, sql: &str, options: &ExecuteOptions) -> Result<ResultInfo> {
        let mut session_id = self.conn.session_id().await?;
        let mut reopened = false;
        let response = loop {
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
        let stream = ResultStream::start(
            StreamContext {
                api: self.conn.api.clone(),
                downloads: self.conn.downloads.clone(),
                config: self.conn.config.results.clone(),
                statement_id: id.clone(),
            },
            &manifest,
            response.result,
            self.cancel.child_token(),
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
        *self.memory.lock().expect("result memory lock") = Some(stream.memory());
        *self.results.lock().await = Some(stream);
        Ok(info)
    }

    /// Submits the statement. The request runs in its own task: when the caller cancels while it
    /// is in flight, that task still learns the statement id and cancels it on the server.
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
            wait_timeout: format!("{}s", config.poll.wait_timeout_secs),
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
        let cancel = self.cancel.clone();
        // The request runs in its own task: if the caller cancels (or drops this statement) while
        // it is in flight, the task still learns the statement id and cancels it on the server.
        let mut task = tokio::spawn(async move {
            let r: Result<StatementResponse> = api
                .call(
                    Operation::ExecuteStatement,
                    Method::POST,
                    "/api/2.0/sql/statements",
                    Some(&body),
                    &CancellationToken::new(),
                )
                .await;
            if let Ok(resp) = &r {
                *id_slot.lock().expect("statement id lock") = Some(resp.statement_id.clone());
                if cancel.is_cancelled()
                    && !resp.status.state.is_terminal()
                    && !settled.swap(true, SeqCst)
                {
                    cancel_remote(&api, &resp.statement_id).await;
                }
            }
            r
        });
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => {
                // A task still in flight sees the token when its answer arrives; a finished one
                // is handled here.
                if task.is_finished() {
                    if let Ok(Ok(resp)) = (&mut task).await {
                        if !resp.status.state.is_terminal() && !self.settled.swap(true, SeqCst) {
                            cancel_remote(&self.conn.api, &resp.statement_id).await;
                        }
                    }
                }
                Err(Error::cancelled("the statement was cancelled"))
            }
            joined = &mut task => joined.map_err(|e| Error::internal(format!("statement submission stopped: {e}")))?,
        }
    }

    async fn poll(&self, mut response: StatementResponse) -> Result<StatementResponse> {
        let poll = &self.conn.config.poll;
        let mut interval = poll.initial;
        while !response.status.state.is_terminal() {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Error::cancelled("the statement was cancelled")),
                _ = tokio::time::sleep(interval) => {}
            }
            interval = (interval * 2).min(poll.max);
            let path = format!("/api/2.0/sql/statements/{}", response.statement_id);
            response = self
                .conn
                .api
                .call::<(), _>(
                    Operation::GetStatement,
                    Method::GET,
                    &path,
                    None,
                    &self.cancel,
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
    /// in-flight fetch; buffered results are freed here, or by that fetch as it returns.
    pub fn cancel(&self) {
        self.cancel.cancel();
        if let Ok(mut results) = self.results.try_lock() {
            if let Some(stream) = results.as_mut() {
                stream.cancel();
            }
        }
        self.cancel_on_server();
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

    /// Idempotent, best-effort: stops downloads, frees buffered results and closes the statement
    /// on the server.
    pub async fn close(&self) -> Result<()> {
        if self.closed.swap(true, SeqCst) {
            return Ok(());
        }
        self.cancel.cancel();
        if let Some(mut stream) = self.results.lock().await.take() {
            stream.cancel();
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
        if self.closed.load(SeqCst) {
            return;
        }
        self.cancel.cancel();
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
