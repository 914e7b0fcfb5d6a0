//! Manifest column types -> Arrow types (protocol.md §10), for results whose bytes carry no
//! Arrow schema: empty results and JSON_ARRAY rows.

use std::sync::Arc;

use arrow_schema::{DataType, Field, IntervalUnit, Schema, SchemaRef, TimeUnit};

use crate::wire::ColumnInfo;

pub fn arrow_type(column: &ColumnInfo) -> DataType {
    let name = column.type_name.as_deref().unwrap_or("STRING");
    match name {
        "BYTE" | "TINYINT" => DataType::Int8,
        "SHORT" | "SMALLINT" => DataType::Int16,
        "INT" | "INTEGER" => DataType::Int32,
        "LONG" | "BIGINT" => DataType::Int64,
        "FLOAT" => DataType::Float32,
        "DOUBLE" => DataType::Float64,
        "BOOLEAN" => DataType::Boolean,
        "BINARY" => DataType::Binary,
        "DATE" => DataType::Date32,
        "TIMESTAMP" => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        "TIMESTAMP_NTZ" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "NULL" | "VOID" => DataType::Null,
        "DECIMAL" => {
            let precision = column.type_precision.unwrap_or(10).clamp(1, 38) as u8;
            let scale = column.type_scale.unwrap_or(0).clamp(0, precision as i64) as i8;
            DataType::Decimal128(precision, scale)
        }
        "INTERVAL" => {
            let kind = column.type_interval_type.as_deref().unwrap_or("");
            if kind.contains("YEAR") || kind.contains("MONTH") {
                DataType::Interval(IntervalUnit::YearMonth)
            } else {
                DataType::Duration(TimeUnit::Microsecond)
            }
        }
        // STRING, CHAR, VARIANT, complex types as JSON text, and anything newer.
        _ => DataType::Utf8,
    }
}

pub fn schema_from_columns(columns: &[ColumnInfo]) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(&c.name, arrow_type(c), true))
        .collect();
    Arc::new(Schema::new(fields))
}
