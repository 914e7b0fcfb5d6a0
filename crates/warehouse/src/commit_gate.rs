//! The moment a statement's change to a table takes effect, made mutually exclusive with its
//! cancellation. A cancel that arrives first prevents the change (the statement ends
//! CANCELED, the table unchanged); once the change is made, a cancel is a no-op and the
//! statement ends SUCCEEDED, as on Databricks, where a cancel of a committed statement
//! changes nothing. Every change to a user table's rows goes through [`commit`].
//!
//! Test hooks: a `delay` fault on the pseudo-route `commit.before` / `commit.after` holds
//! the statement just before / just after its change, so a test can cancel inside either
//! window.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::sql::sql_errors::SqlError;
use crate::statements::Statement;

/// What the gate needs of the warehouse (the HTTP state implements it): the test hooks.
pub trait Hooks: Send + Sync {
    /// How long a `delay` fault set on `point` holds the statement there, if one is set.
    fn hold(&self, point: &str) -> Option<Duration>;
}

/// The statement a task is running and the warehouse's hooks.
#[derive(Clone)]
pub struct Gate {
    pub statement: Arc<Statement>,
    pub hooks: Arc<dyn Hooks>,
}

tokio::task_local! {
    static GATE: Gate;
}

/// Runs `f` (a statement's execution) with `gate` as the gate of every commit in it.
pub async fn scoped<F: Future>(gate: Gate, f: F) -> F::Output {
    GATE.scope(gate, f).await
}

/// Makes a change (`apply`) unless the statement was cancelled first; from the moment it
/// starts, cancelling the statement has no effect. Outside a statement (no gate) the change
/// is simply made.
pub async fn commit<T>(apply: impl Future<Output = Result<T, SqlError>>) -> Result<T, SqlError> {
    let Ok(gate) = GATE.try_with(Gate::clone) else {
        return apply.await;
    };
    hold(&gate, "commit.before").await;
    if !gate.statement.begin_commit() {
        return Err(SqlError::new(
            "OPERATION_CANCELED",
            "HY008",
            "The statement was cancelled before its changes were committed.",
        ));
    }
    let out = apply.await?;
    hold(&gate, "commit.after").await;
    Ok(out)
}

async fn hold(gate: &Gate, point: &str) {
    if let Some(delay) = gate.hooks.hold(point) {
        tokio::time::sleep(delay).await;
    }
}
