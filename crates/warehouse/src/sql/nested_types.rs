//! Spark's nested SQL types (`ARRAY<T>`, `MAP<K, V>`, `STRUCT<a: T, ...>`) as the Arrow types
//! a Databricks warehouse uses for them: List of `element`, Map of `entries` {`key`, `value`},
//! Struct with the field names as written. DataFusion plans no MAP type, names list items
//! `item`, lower-cases struct field names and reads the element types with its own
//! meanings of TIMESTAMP, BINARY or DECIMAL; the types inside are read here as Spark does.

use std::sync::Arc;

use arrow_schema::{DataType, Field, FieldRef, Fields, TimeUnit};
use datafusion::common::{not_impl_err, Result};
use datafusion::logical_expr::planner::TypePlanner;
use datafusion::sql::sqlparser::ast::{
    ArrayElemTypeDef, DataType as SqlType, ExactNumberInfo, StructField, TimezoneInfo,
};

/// Plans the nested types; others are left to DataFusion (and to `dialect.rs`'s rewrites).
#[derive(Debug)]
pub struct NestedTypes;

impl TypePlanner for NestedTypes {
    fn plan_type_field(&self, sql_type: &SqlType) -> Result<Option<FieldRef>> {
        if !is_nested(sql_type) {
            return Ok(None);
        }
        Ok(Some(Arc::new(Field::new("", arrow_type(sql_type)?, true))))
    }
}

fn is_nested(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::Array(ArrayElemTypeDef::AngleBracket(_)) | SqlType::Map(..) | SqlType::Struct(..)
    )
}

fn arrow_type(t: &SqlType) -> Result<DataType> {
    Ok(match t {
        SqlType::Array(ArrayElemTypeDef::AngleBracket(element)) => {
            DataType::List(Arc::new(Field::new("element", arrow_type(element)?, true)))
        }
        SqlType::Map(key, value) => {
            let entries = Fields::from(vec![
                Field::new("key", arrow_type(key)?, false),
                Field::new("value", arrow_type(value)?, true),
            ]);
            DataType::Map(
                Arc::new(Field::new("entries", DataType::Struct(entries), false)),
                false,
            )
        }
        SqlType::Struct(fields, _) => DataType::Struct(struct_fields(fields)?),
        SqlType::Boolean | SqlType::Bool => DataType::Boolean,
        SqlType::TinyInt(_) => DataType::Int8,
        SqlType::SmallInt(_) => DataType::Int16,
        SqlType::Int(_) | SqlType::Integer(_) => DataType::Int32,
        SqlType::BigInt(_) => DataType::Int64,
        SqlType::Float(_) | SqlType::Real => DataType::Float32,
        SqlType::Double(_) | SqlType::DoublePrecision => DataType::Float64,
        SqlType::Decimal(info) | SqlType::Dec(info) | SqlType::Numeric(info) => decimal(info)?,
        SqlType::String(_) | SqlType::Varchar(_) | SqlType::Char(_) | SqlType::Text => {
            DataType::Utf8
        }
        SqlType::Binary(_) | SqlType::Varbinary(_) | SqlType::Bytea => DataType::Binary,
        SqlType::Date => DataType::Date32,
        // Spark's TIMESTAMP is an instant; results show it in the session zone (`types.rs`).
        SqlType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithTimeZone) => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        SqlType::Timestamp(_, TimezoneInfo::WithoutTimeZone) | SqlType::TimestampNtz(_) => {
            DataType::Timestamp(TimeUnit::Microsecond, None)
        }
        // VARIANT values are carried as JSON text, as in top-level columns.
        SqlType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("variant") => {
            DataType::Utf8
        }
        other => return not_impl_err!("Unsupported SQL type {other} in a nested type"),
    })
}

/// Spark keeps a struct field's name as written (DataFusion would lower-case it).
fn struct_fields(fields: &[StructField]) -> Result<Fields> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = match &f.field_name {
                Some(ident) => ident.value.clone(),
                None => format!("col{}", i + 1),
            };
            Ok(Field::new(name, arrow_type(&f.field_type)?, true))
        })
        .collect()
}

/// The precision and scale of a DECIMAL as Spark reads it: precision 10 and scale 0 unless
/// written.
pub fn decimal_precision_scale(info: &ExactNumberInfo) -> (u64, i64) {
    match *info {
        ExactNumberInfo::None => (10, 0),
        ExactNumberInfo::Precision(p) => (p, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => (p, s),
    }
}

fn decimal(info: &ExactNumberInfo) -> Result<DataType> {
    let (precision, scale) = decimal_precision_scale(info);
    match (u8::try_from(precision), i8::try_from(scale)) {
        (Ok(p @ 1..=38), Ok(s)) if s >= 0 && s as u8 <= p => Ok(DataType::Decimal128(p, s)),
        _ => not_impl_err!("Unsupported decimal type DECIMAL({precision},{scale})"),
    }
}
