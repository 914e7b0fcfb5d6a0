//! Maps DataFusion failures to Spark error classes and SQLSTATEs, so a client sees
//! `[CLASS] message SQLSTATE: xxxxx` like on a real warehouse.

use datafusion::arrow::error::ArrowError;
use datafusion::common::{DataFusionError, SchemaError};

use crate::sql::cast_overflow;

/// A failed statement: HTTP 200 + FAILED on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub class: String,
    pub sql_state: String,
    pub message: String,
}

impl SqlError {
    pub fn new(class: &str, sql_state: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        SqlError {
            class: class.to_string(),
            sql_state: sql_state.to_string(),
            message: format!("[{class}] {detail} SQLSTATE: {sql_state}"),
        }
    }

    /// The error as DataFusion reported it, classified.
    pub fn from_datafusion(err: &DataFusionError, sql: &str) -> Self {
        classify(err.find_root(), sql)
    }
}

fn classify(err: &DataFusionError, sql: &str) -> SqlError {
    let text = err.to_string();
    match err {
        DataFusionError::SQL(parse, _) => {
            let parse = parse.to_string();
            let near = parse
                .split("found: ")
                .nth(1)
                .map(|rest| {
                    rest.split(" at Line")
                        .next()
                        .unwrap_or(rest)
                        .trim()
                        .to_string()
                })
                .unwrap_or_else(|| "end of input".to_string());
            let mut e = SqlError::new(
                "PARSE_SYNTAX_ERROR",
                "42601",
                format!("Syntax error at or near '{near}'."),
            );
            e.message = format!("\n{} ({parse})\n\n== SQL ==\n{sql}\n", e.message);
            e
        }
        DataFusionError::SchemaError(schema, _) => match schema.as_ref() {
            SchemaError::FieldNotFound { field, .. } => SqlError::new(
                "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
                "42703",
                format!(
                    "A column, variable, or function parameter with name `{}` cannot be resolved.",
                    field.name()
                ),
            ),
            SchemaError::DuplicateQualifiedField { .. }
            | SchemaError::DuplicateUnqualifiedField { .. }
            | SchemaError::AmbiguousReference { .. } => {
                SqlError::new("AMBIGUOUS_REFERENCE", "42702", text)
            }
        },
        DataFusionError::ArrowError(arrow, _) => classify_arrow(arrow, &text),
        DataFusionError::NotImplemented(m) => {
            SqlError::new("UNSUPPORTED_FEATURE", "0A000", m.clone())
        }
        DataFusionError::Plan(m) | DataFusionError::Execution(m) => classify_message(m),
        _ => classify_message(&text),
    }
}

/// Spark's CAST_OVERFLOW, when `m` is a cast error for a number out of the target's range.
fn cast_overflow_error(m: &str) -> Option<SqlError> {
    cast_overflow::message(m).map(|text| SqlError::new("CAST_OVERFLOW", "22003", text))
}

fn classify_arrow(err: &ArrowError, text: &str) -> SqlError {
    match err {
        ArrowError::DivideByZero => SqlError::new(
            "DIVIDE_BY_ZERO",
            "22012",
            "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead.",
        ),
        ArrowError::CastError(m) | ArrowError::ParseError(m) => cast_overflow_error(m)
            .unwrap_or_else(|| SqlError::new("CAST_INVALID_INPUT", "22018", m.clone())),
        ArrowError::ArithmeticOverflow(m) => SqlError::new("ARITHMETIC_OVERFLOW", "22003", m.clone()),
        ArrowError::InvalidArgumentError(m) if m.contains("non-nullable") => not_null_violated(),
        // DataFusion's `abs` reports the overflow of `abs(<minimum integer>)` this way.
        ArrowError::ComputeError(m) if m.contains(" overflow on ") => {
            SqlError::new("ARITHMETIC_OVERFLOW", "22003", m.clone())
        }
        _ => SqlError::new("INTERNAL_ERROR", "XX000", text),
    }
}

fn classify_message(m: &str) -> SqlError {
    let lower = m.to_ascii_lowercase();
    let quoted = first_quoted(m);
    if lower.contains("divide by zero") || lower.contains("division by zero") {
        SqlError::new("DIVIDE_BY_ZERO", "22012", "Division by zero.")
    } else if lower.starts_with("table '") && lower.contains("not found")
        || lower.contains("table or view") && lower.contains("not found")
    {
        SqlError::new(
            "TABLE_OR_VIEW_NOT_FOUND",
            "42P01",
            format!(
                "The table or view `{}` cannot be found.",
                quoted.unwrap_or_default()
            ),
        )
    } else if lower.contains("already exists") {
        SqlError::new("TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", m)
    } else if lower.contains("invalid function") || lower.contains("unknown function") {
        SqlError::new(
            "UNRESOLVED_ROUTINE",
            "42883",
            format!(
                "Cannot resolve routine `{}` on search path [`system`.`builtin`, `system`.`session`].",
                quoted.unwrap_or_default()
            ),
        )
    } else if lower.contains("catalog") && lower.contains("not found")
        || lower.contains("failed to resolve catalog")
    {
        SqlError::new("NO_SUCH_CATALOG_EXCEPTION", "42704", m)
    } else if lower.contains("schema")
        && (lower.contains("not found")
            || lower.contains("doesn't exist")
            || lower.contains("does not exist"))
    {
        SqlError::new("SCHEMA_NOT_FOUND", "42704", m)
    } else if let Some(overflow) = cast_overflow_error(m) {
        overflow
    } else if lower.contains("cannot cast")
        || lower.contains("cast error")
        || lower.contains("can't cast")
    {
        SqlError::new("CAST_INVALID_INPUT", "22018", m)
    } else if lower.contains("no value found for placeholder") {
        SqlError::new("UNBOUND_SQL_PARAMETER", "42P02", m)
    } else if lower.contains("non-nullable") {
        not_null_violated()
    } else if lower.contains("overflow") {
        SqlError::new("ARITHMETIC_OVERFLOW", "22003", m)
    } else {
        SqlError::new("INVALID_QUERY", "42000", m)
    }
}

/// DataFusion checks NOT NULL columns on write; Delta names the violation this way. DataFusion's
/// message names the written expression's column, not the table's, so it is left out.
fn not_null_violated() -> SqlError {
    SqlError::new(
        "DELTA_NOT_NULL_CONSTRAINT_VIOLATED",
        "23502",
        "NOT NULL constraint violated: a NULL was written to a column declared NOT NULL.",
    )
}

fn first_quoted(m: &str) -> Option<String> {
    let start = m.find('\'')? + 1;
    let end = m[start..].find('\'')? + start;
    Some(m[start..end].to_string())
}
