//! Statement lifecycle: PENDING → RUNNING → SUCCEEDED | FAILED | CANCELED, then CLOSED on
//! DELETE; finished statements are forgotten after the result retention time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::ids;
use crate::results::{ResultRequest, ResultSet};
use crate::sql::sql_errors::SqlError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementState {
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Closed,
}

impl StatementState {
    pub fn as_str(self) -> &'static str {
        match self {
            StatementState::Pending => "PENDING",
            StatementState::Running => "RUNNING",
            StatementState::Succeeded => "SUCCEEDED",
            StatementState::Failed => "FAILED",
            StatementState::Canceled => "CANCELED",
            StatementState::Closed => "CLOSED",
        }
    }

    pub fn is_terminal(self) -> bool {
        !matches!(self, StatementState::Pending | StatementState::Running)
    }
}

/// What a response needs to know about a statement at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: String,
    pub state: StatementState,
    pub error: Option<SqlError>,
    pub result: Option<Arc<ResultSet>>,
}

struct Inner {
    state: StatementState,
    error: Option<SqlError>,
    result: Option<Arc<ResultSet>>,
    finished: Option<Instant>,
    abort: Option<AbortHandle>,
    /// The statement has started changing a table: a cancel can no longer stop it.
    committing: bool,
}

pub struct Statement {
    pub id: String,
    pub request: ResultRequest,
    inner: Mutex<Inner>,
    changed: watch::Sender<StatementState>,
}

impl Statement {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn snapshot(&self) -> Snapshot {
        let inner = self.lock();
        Snapshot {
            id: self.id.clone(),
            state: inner.state,
            error: inner.error.clone(),
            result: inner.result.clone(),
        }
    }

    pub fn state(&self) -> StatementState {
        self.lock().state
    }

    pub fn set_abort(&self, handle: AbortHandle) {
        let mut inner = self.lock();
        if inner.state.is_terminal() {
            handle.abort();
        } else {
            inner.abort = Some(handle);
        }
    }

    /// Moves to `next` unless the statement already reached a terminal state (a cancel or
    /// close that raced with completion wins).
    fn advance(&self, next: StatementState, update: impl FnOnce(&mut Inner)) -> bool {
        let mut inner = self.lock();
        if inner.state.is_terminal() && next != StatementState::Closed {
            return false;
        }
        if inner.committing && next == StatementState::Canceled {
            return false;
        }
        inner.state = next;
        update(&mut inner);
        if next.is_terminal() {
            inner.finished.get_or_insert_with(Instant::now);
            if let Some(h) = inner.abort.take() {
                if next != StatementState::Succeeded && next != StatementState::Failed {
                    h.abort();
                }
            }
        }
        drop(inner);
        self.changed.send_replace(next);
        true
    }

    pub fn set_running(&self) {
        if self.state() == StatementState::Pending {
            self.advance(StatementState::Running, |_| {});
        }
    }

    pub fn succeed(&self, result: ResultSet) {
        self.advance(StatementState::Succeeded, |i| {
            i.result = Some(Arc::new(result))
        });
    }

    pub fn fail(&self, error: SqlError) {
        self.advance(StatementState::Failed, |i| i.error = Some(error));
    }

    /// Marks the start of a change to a table, unless the statement was cancelled or closed
    /// (then the change must not be made). From now on `cancel` is a no-op (see `commit_gate`).
    pub fn begin_commit(&self) -> bool {
        let mut inner = self.lock();
        if inner.state.is_terminal() {
            return false;
        }
        inner.committing = true;
        true
    }

    /// Cancels a running statement; a finished one, or one that has committed a change, is
    /// left alone (a no-op, as on real servers).
    pub fn cancel(&self) {
        self.advance(StatementState::Canceled, |_| {});
    }

    /// Frees the results; GET answers CLOSED from now on.
    pub fn close(&self) {
        self.advance(StatementState::Closed, |i| {
            i.result = None;
            i.error = None;
        });
    }

    /// Waits until the statement is terminal or `timeout` passes.
    pub async fn wait(&self, timeout: Duration) {
        let mut rx = self.changed.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|s| s.is_terminal())).await;
    }

    fn expired(&self, retention: Duration) -> bool {
        self.lock()
            .finished
            .is_some_and(|t| t.elapsed() > retention)
    }
}

pub struct StatementStore {
    retention: Duration,
    map: Mutex<HashMap<String, Arc<Statement>>>,
}

impl StatementStore {
    pub fn new(retention: Duration) -> Self {
        Self {
            retention,
            map: Mutex::default(),
        }
    }

    pub fn create(&self, request: ResultRequest) -> Arc<Statement> {
        let id = ids::new_id();
        let (changed, _) = watch::channel(StatementState::Pending);
        let stmt = Arc::new(Statement {
            id: id.clone(),
            request,
            inner: Mutex::new(Inner {
                state: StatementState::Pending,
                error: None,
                result: None,
                finished: None,
                abort: None,
                committing: false,
            }),
            changed,
        });
        self.lock().insert(id, stmt.clone());
        stmt
    }

    /// The statement, unless unknown or past its retention time.
    pub fn get(&self, id: &str) -> Option<Arc<Statement>> {
        let mut map = self.lock();
        let stmt = map.get(id)?.clone();
        if stmt.expired(self.retention) {
            map.remove(id);
            return None;
        }
        Some(stmt)
    }

    /// Forgets statements past their retention time.
    pub fn sweep(&self) {
        let retention = self.retention;
        self.lock().retain(|_, s| !s.expired(retention));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Statement>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}
