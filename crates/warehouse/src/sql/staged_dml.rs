//! INSERT, UPDATE and DELETE on the warehouse's own tables. DataFusion's memory tables would
//! change their rows while the statement executes; instead the statement runs against a
//! staged copy (empty for an INSERT, the current rows otherwise), and the copy's rows are
//! then committed to the live table in one step, through `commit_gate`, so that a cancel
//! either prevents the change or comes too late to undo it.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use arrow_array::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::{provider_as_source, source_as_provider, MemTable};
use datafusion::logical_expr::{DmlStatement, LogicalPlan, WriteOp};
use datafusion::prelude::SessionContext;

use crate::commit_gate;
use crate::sql::sql_errors::SqlError;

/// Runs `plan` (a DML statement) and commits its change; returns its count batches.
pub async fn execute(
    ctx: &SessionContext,
    plan: LogicalPlan,
    sql: &str,
) -> Result<Vec<RecordBatch>, SqlError> {
    let df_err = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, sql);
    let live = match &plan {
        LogicalPlan::Dml(d) => source_as_provider(&d.target).ok(),
        _ => None,
    };
    let (LogicalPlan::Dml(dml), Some(live)) = (&plan, live) else {
        return collect(ctx, plan, sql).await;
    };
    let Some(live) = live.downcast_ref::<MemTable>() else {
        // Not a table of this warehouse: DataFusion refuses the change itself.
        return collect(ctx, plan, sql).await;
    };
    let insert = matches!(dml.op, WriteOp::Insert(_));
    // An UPDATE or DELETE replaces the rows it read, so it holds the table's writer lock from
    // reading them to its commit; an INSERT only appends, and takes the lock to commit.
    let writer = writer_lock(live);
    let held = if insert {
        None
    } else {
        Some(writer.lock().await)
    };
    let mut partitions = Vec::with_capacity(live.batches.len());
    for p in &live.batches {
        partitions.push(if insert {
            Vec::new()
        } else {
            p.read().await.clone()
        });
    }
    let staged = Arc::new(MemTable::try_new(live.schema(), partitions).map_err(df_err)?);
    let staged_plan = LogicalPlan::Dml(DmlStatement::new(
        dml.table_name.clone(),
        provider_as_source(staged.clone()),
        dml.op.clone(),
        dml.input.clone(),
    ));
    let counts = collect(ctx, staged_plan, sql).await?;
    let _held = match held {
        Some(h) => h,
        None => writer.lock().await,
    };
    commit_gate::commit(async {
        for (live, staged) in live.batches.iter().zip(&staged.batches) {
            let rows = staged.read().await.clone();
            let mut live = live.write().await;
            if insert {
                live.extend(rows);
            } else {
                *live = rows;
            }
        }
        Ok(())
    })
    .await?;
    Ok(counts)
}

/// The lock that orders the commits of one table (identified by its first partition, which
/// every version of a memory table shares until it is replaced).
fn writer_lock(table: &MemTable) -> Arc<tokio::sync::Mutex<()>> {
    static WRITERS: LazyLock<Mutex<HashMap<usize, Weak<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Mutex::default);
    let key = table.batches.first().map_or(0, |p| Arc::as_ptr(p) as usize);
    let mut writers = WRITERS.lock().unwrap_or_else(|p| p.into_inner());
    writers.retain(|_, w| w.strong_count() > 0);
    if let Some(lock) = writers.get(&key).and_then(Weak::upgrade) {
        return lock;
    }
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    writers.insert(key, Arc::downgrade(&lock));
    lock
}

async fn collect(
    ctx: &SessionContext,
    plan: LogicalPlan,
    sql: &str,
) -> Result<Vec<RecordBatch>, SqlError> {
    let df_err = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, sql);
    ctx.execute_logical_plan(plan)
        .await
        .map_err(df_err)?
        .collect()
        .await
        .map_err(df_err)
}
