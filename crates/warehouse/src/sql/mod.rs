//! SQL: the Spark dialect over DataFusion (`engine`, the parser and rewrites, Spark's
//! functions and overflow rules), the DDL and MERGE it adds, `information_schema`, the sample
//! tables, and the commands the warehouse answers itself (`metadata`).

pub mod cast_overflow;
pub mod checked_arithmetic;
pub mod checked_sum;
pub mod ddl;
pub mod dialect;
pub mod engine;
pub mod identity;
pub mod info_schema;
pub mod insert_defaults;
pub mod integer_overflow;
pub mod merge;
pub mod metadata;
pub mod nested_types;
pub mod output_names;
pub mod params;
pub mod range;
pub mod sleep;
pub mod spark_functions;
pub mod spark_intervals;
pub mod spark_literals;
pub mod spark_names;
pub mod spark_parser;
pub mod sql_errors;
pub mod staged_dml;
pub mod statement;
pub mod tpch;
pub mod types;

use engine::{Engine, Executed};
use params::Params;
use sql_errors::SqlError;

use crate::sessions::SessionView;

/// Runs one statement: the commands the warehouse answers itself (`USE`, `SET ...`, `SHOW ...`,
/// `DESCRIBE QUERY`) first, everything else through the engine, which knows nothing of them.
pub async fn run(
    engine: &Engine,
    session: &SessionView,
    sql: &str,
    params: &Params,
) -> Result<Executed, SqlError> {
    if let Some(result) = metadata::handle(engine, session, sql).await {
        return result;
    }
    statement::run(engine, session, sql, params).await
}
