//! The DEFAULT keyword in `INSERT ... VALUES` (Kysely writes `values (?, default), (default,
//! ?)` when rows give different columns), which DataFusion would read as a column named
//! `default`: each becomes the column's declared default (an identity column's generates its
//! next value), or NULL when it has none. Columns an INSERT omits DataFusion fills itself from
//! the table's column defaults. Also refuses explicit values for a `GENERATED ALWAYS AS
//! IDENTITY` column, as Databricks does.

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr as SqlExpr, Insert, SetExpr, Statement, TableObject, Value as SqlValue,
};

use crate::sessions::SessionView;
use crate::sql::engine::Engine;
use crate::sql::sql_errors::SqlError;
use crate::user_tables::{self, ident, resolve};

pub async fn prepare(
    engine: &Engine,
    session: &SessionView,
    statement: &mut DfStatement,
) -> Result<(), SqlError> {
    let DfStatement::Statement(stmt) = statement else {
        return Ok(());
    };
    let Statement::Insert(insert) = stmt.as_mut() else {
        return Ok(());
    };
    let TableObject::TableName(name) = &insert.table else {
        return Ok(());
    };
    let key = resolve(name, session)?;
    // A table without a record (not created here) has no defaults: DEFAULT is NULL there.
    let meta = engine.meta.get(&key).unwrap_or_default();
    let columns = target_columns(engine, &key, insert).await;
    let always = meta.always_identity().map(|i| i.column.clone());
    let Some(source) = insert.source.as_mut() else {
        return Ok(());
    };
    let SetExpr::Values(values) = source.body.as_mut() else {
        // INSERT ... SELECT: an ALWAYS identity column must be left out.
        return match always.filter(|c| columns.contains(c)) {
            Some(c) => Err(explicit_identity(&c)),
            None => Ok(()),
        };
    };
    for row in &mut values.rows {
        for (value, column) in row.content.iter_mut().zip(&columns) {
            if !is_default_keyword(value) {
                if always.as_ref() == Some(column) {
                    return Err(explicit_identity(column));
                }
                continue;
            }
            *value = meta
                .default_of(column)
                .cloned()
                .unwrap_or_else(|| SqlExpr::value(SqlValue::Null));
        }
    }
    Ok(())
}

/// The columns the INSERT's values go to, in order: its column list, or every column.
async fn target_columns(
    engine: &Engine,
    key: &crate::table_meta::TableKey,
    insert: &Insert,
) -> Vec<String> {
    if !insert.columns.is_empty() {
        return insert
            .columns
            .iter()
            .filter_map(|n| n.0.last().and_then(|p| p.as_ident()).map(ident))
            .collect();
    }
    let Some(schema) = user_tables::schema_provider(engine, key) else {
        return Vec::new();
    };
    match schema.table(&key.table).await {
        Ok(Some(t)) => t
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect(),
        _ => Vec::new(),
    }
}

pub fn is_default_keyword(e: &SqlExpr) -> bool {
    matches!(e, SqlExpr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

pub fn explicit_identity(column: &str) -> SqlError {
    SqlError::new(
        "DELTA_IDENTITY_COLUMNS_EXPLICIT_INSERT_NOT_SUPPORTED",
        "42808",
        format!(
            "Providing values for GENERATED ALWAYS AS IDENTITY column {column} is not supported."
        ),
    )
}
