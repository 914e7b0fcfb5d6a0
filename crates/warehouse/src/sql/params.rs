//! Statement parameters: named (`:name`) or positional (`?` with `ordinal`), typed with Spark
//! type names or their aliases, bound as typed values (never spliced into SQL text).

use std::collections::HashMap;

use arrow_schema::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use serde::Deserialize;
use serde_json::Value;

use crate::errors::ApiError;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Params {
    #[default]
    None,
    Positional(Vec<ScalarValue>),
    Named(HashMap<String, ScalarValue>),
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ordinal: Option<i64>,
    #[serde(default, rename = "type")]
    type_name: Option<String>,
    #[serde(default)]
    value: Option<Value>,
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::InvalidParameter(msg.into())
}

/// Parses `parameters`; TIMESTAMP values are read in the session time zone `tz`.
pub fn parse(items: Option<&Value>, tz: &str) -> Result<Params, ApiError> {
    let items = match items {
        None | Some(Value::Null) => return Ok(Params::None),
        Some(Value::Array(a)) if a.is_empty() => return Ok(Params::None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad("`parameters` must be an array.")),
    };
    let mut named = HashMap::new();
    let mut positional: Vec<(i64, ScalarValue)> = Vec::new();
    for raw in items {
        let item: Item = serde_json::from_value(raw.clone())
            .map_err(|e| bad(format!("Invalid parameter {raw}: {e}")))?;
        let value = typed_value(&item, tz)?;
        match (item.name, item.ordinal) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "A parameter must have either `name` or `ordinal`, not both.",
                ))
            }
            (Some(name), None) => {
                let name = name.trim_start_matches(':').to_string();
                if name.is_empty() {
                    return Err(bad("A named parameter must have a non-empty `name`."));
                }
                named.insert(name, value);
            }
            (None, Some(ordinal)) => positional.push((ordinal, value)),
            (None, None) => {
                return Err(bad(
                    "Positional parameters must have an `ordinal` (1-based); named ones a `name`.",
                ))
            }
        }
    }
    match (named.is_empty(), positional.is_empty()) {
        (false, false) => Err(bad("Named and positional parameters cannot be mixed.")),
        (false, true) => Ok(Params::Named(named)),
        _ => {
            positional.sort_by_key(|(o, _)| *o);
            for (i, (ordinal, _)) in positional.iter().enumerate() {
                if *ordinal != i as i64 + 1 {
                    return Err(bad(format!(
                        "Parameter ordinals must be 1..{} without gaps or repeats; got {ordinal}.",
                        positional.len()
                    )));
                }
            }
            Ok(Params::Positional(
                positional.into_iter().map(|(_, v)| v).collect(),
            ))
        }
    }
}

fn typed_value(item: &Item, tz: &str) -> Result<ScalarValue, ApiError> {
    let type_text = item.type_name.as_deref().unwrap_or("STRING");
    let target = match parse_type(type_text)? {
        DataType::Timestamp(unit, Some(_)) => DataType::Timestamp(unit, Some(tz.into())),
        other => other,
    };
    let text = match &item.value {
        None | Some(Value::Null) => {
            return ScalarValue::try_from(&target).map_err(|e| bad(e.to_string()))
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if target == DataType::Null {
        return Ok(ScalarValue::Null);
    }
    if target == DataType::Binary {
        return hex::decode(text.trim())
            .map(|b| ScalarValue::Binary(Some(b)))
            .map_err(|_| {
                bad(format!(
                    "Invalid BINARY parameter value (expected hex): '{text}'."
                ))
            });
    }
    ScalarValue::Utf8(Some(text.clone()))
        .cast_to(&target)
        .ok()
        .filter(|v| !v.is_null())
        .ok_or_else(|| {
            bad(format!(
                "Cannot cast parameter value '{text}' to {type_text}."
            ))
        })
}

/// Spark type names and the aliases drivers send (LONG, SHORT, BYTE, VOID, ...).
pub fn parse_type(text: &str) -> Result<DataType, ApiError> {
    let upper = text.trim().to_ascii_uppercase();
    let (base, args) = match upper.split_once('(') {
        Some((b, rest)) => (
            b.trim().to_string(),
            Some(rest.trim_end_matches(')').to_string()),
        ),
        None => (upper.clone(), None),
    };
    let dt = match base.as_str() {
        "INT" | "INTEGER" => DataType::Int32,
        "BIGINT" | "LONG" => DataType::Int64,
        "SMALLINT" | "SHORT" => DataType::Int16,
        "TINYINT" | "BYTE" => DataType::Int8,
        "FLOAT" | "REAL" => DataType::Float32,
        "DOUBLE" => DataType::Float64,
        "DECIMAL" | "DEC" | "NUMERIC" => {
            let (p, s) = match args.as_deref() {
                None => (10, 0),
                Some(a) => {
                    let mut parts = a.split(',').map(|x| x.trim().parse::<u8>());
                    let p = parts.next().and_then(|r| r.ok());
                    let s = parts.next().map(|r| r.ok()).unwrap_or(Some(0));
                    match (p, s) {
                        (Some(p), Some(s)) if (1..=38).contains(&p) && s <= p => (p, s),
                        _ => return Err(bad(format!("Invalid parameter type '{text}'."))),
                    }
                }
            };
            DataType::Decimal128(p, s as i8)
        }
        "STRING" | "VARCHAR" | "CHAR" => DataType::Utf8,
        "BOOLEAN" | "BOOL" => DataType::Boolean,
        "DATE" => DataType::Date32,
        // The zone is replaced by the session's in `typed_value`.
        "TIMESTAMP" | "TIMESTAMP_LTZ" => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        "TIMESTAMP_NTZ" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "BINARY" => DataType::Binary,
        "VOID" | "NULL" => DataType::Null,
        b if b.starts_with("INTERVAL") => {
            DataType::Interval(arrow_schema::IntervalUnit::MonthDayNano)
        }
        _ => return Err(bad(format!("Unsupported parameter type '{text}'."))),
    };
    Ok(dt)
}
