//! The tables users create live in DataFusion memory tables; ALTER TABLE and MERGE rewrite
//! them whole (INSERT, UPDATE and DELETE: `staged_dml`). This finds such a table by name, reads its rows and puts a new version in place.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::logical_expr::Expr;
use datafusion::sql::sqlparser::ast::{Ident, ObjectName};

use crate::commit_gate;
use crate::sessions::SessionView;
use crate::sql::engine::Engine;
use crate::sql::sql_errors::SqlError;
use crate::table_meta::TableKey;

/// An identifier as DataFusion resolves it: unquoted names fold to lower case.
pub fn ident(i: &Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

/// `[catalog.][schema.]table` completed with the session's namespace.
pub fn resolve(name: &ObjectName, session: &SessionView) -> Result<TableKey, SqlError> {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(ident))
        .collect();
    match parts.as_slice() {
        [t] => Ok(TableKey::new(&session.catalog, &session.schema, t)),
        [s, t] => Ok(TableKey::new(&session.catalog, s, t)),
        [c, s, t] => Ok(TableKey::new(c, s, t)),
        _ => Err(SqlError::new(
            "REQUIRES_SINGLE_PART_NAMESPACE",
            "42K05",
            format!("`{name}` is not a valid table name."),
        )),
    }
}

pub fn not_found(key: &TableKey) -> SqlError {
    SqlError::new(
        "TABLE_OR_VIEW_NOT_FOUND",
        "42P01",
        format!(
            "The table or view `{}`.`{}`.`{}` cannot be found. Verify the spelling and correctness of the schema and catalog.",
            key.catalog, key.schema, key.table
        ),
    )
}

/// A user table's current version.
pub struct UserTable {
    pub schema_provider: Arc<dyn SchemaProvider>,
    pub provider: Arc<dyn TableProvider>,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

pub fn schema_provider(engine: &Engine, key: &TableKey) -> Option<Arc<dyn SchemaProvider>> {
    engine.catalog(&key.catalog)?.schema(&key.schema)
}

pub async fn exists(engine: &Engine, key: &TableKey) -> bool {
    match schema_provider(engine, key) {
        Some(s) => matches!(s.table(&key.table).await, Ok(Some(_))),
        None => false,
    }
}

/// Reads a table created in this warehouse; others (TPC-H samples, mounted files, views)
/// cannot be rewritten.
pub async fn load(engine: &Engine, key: &TableKey, verb: &str) -> Result<UserTable, SqlError> {
    let schema_provider = schema_provider(engine, key).ok_or_else(|| not_found(key))?;
    let provider = match schema_provider.table(&key.table).await {
        Ok(Some(t)) => t,
        _ => return Err(not_found(key)),
    };
    let writable = schema_provider
        .downcast_ref::<MemorySchemaProvider>()
        .is_some();
    let Some(mem) = provider.downcast_ref::<MemTable>().filter(|_| writable) else {
        return Err(SqlError::new(
            "UNSUPPORTED_FEATURE",
            "0A000",
            format!(
                "{verb} is supported on tables created in this warehouse; `{}`.`{}`.`{}` is read-only.",
                key.catalog, key.schema, key.table
            ),
        ));
    };
    let mut batches = Vec::new();
    for partition in &mem.batches {
        batches.extend(partition.read().await.iter().cloned());
    }
    Ok(UserTable {
        schema: mem.schema(),
        schema_provider,
        provider,
        batches,
    })
}

impl UserTable {
    /// Puts a new version of the table in place under `name`, keeping the column defaults
    /// of the columns that remain: the statement's commit (see `commit_gate`).
    pub async fn replace(
        &self,
        old_name: &str,
        new_name: &str,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<(), SqlError> {
        let df = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, "");
        let defaults: HashMap<String, Expr> = schema
            .fields()
            .iter()
            .filter_map(|f| {
                self.provider
                    .get_column_default(f.name())
                    .map(|e| (f.name().clone(), e.clone()))
            })
            .collect();
        let table = MemTable::try_new(schema, vec![batches])
            .map_err(df)?
            .with_column_defaults(defaults);
        commit_gate::commit(async {
            self.schema_provider
                .deregister_table(old_name)
                .map_err(df)?;
            self.schema_provider
                .register_table(new_name.to_string(), Arc::new(table))
                .map_err(df)?;
            Ok(())
        })
        .await
    }
}
