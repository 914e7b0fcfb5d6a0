//! Spark's view of Arrow types: the manifest's `type_name`/`type_text`, and the canonical
//! Arrow types a Databricks warehouse emits (protocol.md §10). DataFusion's results are
//! converted to these before they are encoded.

use std::sync::Arc;

use arrow_array::types::IntervalMonthDayNano;
use arrow_array::{
    Array, ArrayRef, DurationMicrosecondArray, IntervalMonthDayNanoArray, IntervalYearMonthArray,
    RecordBatch, RecordBatchOptions,
};
use arrow_schema::{DataType, Field, Fields, IntervalUnit, Schema, SchemaRef, TimeUnit};
use serde_json::{json, Value};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// One manifest column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    pub type_text: String,
    pub type_name: &'static str,
    pub position: usize,
    pub precision: Option<u8>,
    pub scale: Option<i8>,
    pub interval_type: Option<&'static str>,
}

impl ColumnInfo {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type_text": self.type_text,
            "type_name": self.type_name,
            "position": self.position,
        });
        if let Some(p) = self.precision {
            v["type_precision"] = json!(p);
        }
        if let Some(s) = self.scale {
            v["type_scale"] = json!(s);
        }
        if let Some(i) = self.interval_type {
            v["type_interval_type"] = json!(i);
        }
        v
    }
}

/// Describes the columns of a canonical schema.
pub fn columns(schema: &Schema) -> Vec<ColumnInfo> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(position, f)| {
            let dt = f.data_type();
            let (precision, scale) = match dt {
                DataType::Decimal128(p, s) => (Some(*p), Some(*s)),
                _ => (None, None),
            };
            ColumnInfo {
                name: f.name().clone(),
                type_text: type_text(dt),
                type_name: type_name(dt),
                position,
                precision,
                scale,
                interval_type: interval_type(dt),
            }
        })
        .collect()
}

fn interval_type(dt: &DataType) -> Option<&'static str> {
    match dt {
        DataType::Interval(IntervalUnit::YearMonth) => Some("YEAR TO MONTH"),
        DataType::Duration(_) => Some("DAY TO SECOND"),
        _ => None,
    }
}

pub fn type_name(dt: &DataType) -> &'static str {
    match dt {
        DataType::Null => "NULL",
        DataType::Boolean => "BOOLEAN",
        DataType::Int8 => "BYTE",
        DataType::Int16 => "SHORT",
        DataType::Int32 => "INT",
        DataType::Int64 => "LONG",
        DataType::Float32 => "FLOAT",
        DataType::Float64 => "DOUBLE",
        DataType::Decimal128(..) => "DECIMAL",
        DataType::Utf8 => "STRING",
        DataType::Binary => "BINARY",
        DataType::Date32 => "DATE",
        DataType::Timestamp(_, Some(_)) => "TIMESTAMP",
        DataType::Timestamp(_, None) => "TIMESTAMP_NTZ",
        DataType::Interval(_) | DataType::Duration(_) => "INTERVAL",
        DataType::List(_) => "ARRAY",
        DataType::Map(..) => "MAP",
        DataType::Struct(_) => "STRUCT",
        _ => "STRING",
    }
}

pub fn type_text(dt: &DataType) -> String {
    match dt {
        DataType::Null => "VOID".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p},{s})"),
        DataType::Interval(IntervalUnit::YearMonth) => "INTERVAL YEAR TO MONTH".into(),
        DataType::Duration(_) => "INTERVAL DAY TO SECOND".into(),
        DataType::List(f) => format!("ARRAY<{}>", type_text(f.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "MAP<{}, {}>",
                type_text(kv[0].data_type()),
                type_text(kv[1].data_type())
            ),
            _ => "MAP".into(),
        },
        DataType::Struct(fields) => format!(
            "STRUCT<{}>",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), type_text(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => type_name(other).to_string(),
    }
}

/// The Arrow type Databricks would emit for a DataFusion type. `MonthDayNano` intervals
/// depend on the data and are decided by [`normalize`].
fn canonical(dt: &DataType, tz: &Arc<str>) -> DataType {
    match dt {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::Binary
        | DataType::Date32 => dt.clone(),
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 => DataType::Int64,
        DataType::UInt64 => DataType::Decimal128(20, 0),
        DataType::Float16 => DataType::Float32,
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) | DataType::Decimal128(p, s) => {
            DataType::Decimal128(*p, *s)
        }
        DataType::Decimal256(p, s) => DataType::Decimal128((*p).min(38), *s),
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            DataType::Binary
        }
        DataType::Date64 => DataType::Date32,
        DataType::Timestamp(_, Some(_)) => {
            DataType::Timestamp(TimeUnit::Microsecond, Some(tz.clone()))
        }
        DataType::Timestamp(_, None) => DataType::Timestamp(TimeUnit::Microsecond, None),
        DataType::Duration(_) | DataType::Interval(IntervalUnit::DayTime) => {
            DataType::Duration(TimeUnit::Microsecond)
        }
        DataType::Interval(IntervalUnit::YearMonth) => dt.clone(),
        DataType::Interval(IntervalUnit::MonthDayNano) => DataType::Duration(TimeUnit::Microsecond),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _) => DataType::List(Arc::new(Field::new(
            "element",
            canonical(f.data_type(), tz),
            f.is_nullable(),
        ))),
        DataType::Map(entries, sorted) => {
            let entries = match entries.data_type() {
                DataType::Struct(kv) => Field::new(
                    entries.name(),
                    DataType::Struct(canonical_fields(kv, tz)),
                    entries.is_nullable(),
                ),
                _ => entries.as_ref().clone(),
            };
            DataType::Map(Arc::new(entries), *sorted)
        }
        DataType::Struct(fields) => DataType::Struct(canonical_fields(fields, tz)),
        DataType::Dictionary(_, v) => canonical(v, tz),
        DataType::RunEndEncoded(_, v) => canonical(v.data_type(), tz),
        _ => DataType::Utf8,
    }
}

/// The canonical type of a stored column (time zone irrelevant to its SQL type text).
pub fn canonical_type(dt: &DataType) -> DataType {
    canonical(dt, &Arc::from("Etc/UTC"))
}

fn canonical_fields(fields: &Fields, tz: &Arc<str>) -> Fields {
    fields
        .iter()
        .map(|f| Field::new(f.name(), canonical(f.data_type(), tz), f.is_nullable()))
        .collect()
}

/// Converts DataFusion output to the schema and Arrow types a Databricks warehouse emits,
/// with TIMESTAMP in the session time zone `tz`.
pub fn normalize(
    schema: &Schema,
    batches: &[RecordBatch],
    tz: &str,
) -> Result<(SchemaRef, Vec<RecordBatch>), String> {
    let tz: Arc<str> = Arc::from(tz);
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let target = match f.data_type() {
                DataType::Interval(IntervalUnit::MonthDayNano)
                    if is_year_month(batches.iter().map(|b| b.column(i))) =>
                {
                    DataType::Interval(IntervalUnit::YearMonth)
                }
                dt => canonical(dt, &tz),
            };
            Field::new(
                f.name(),
                target,
                f.is_nullable() || f.data_type() == &DataType::Null,
            )
        })
        .collect();
    let target = Arc::new(Schema::new(fields));
    let out = batches
        .iter()
        .map(|batch| {
            let columns = batch
                .columns()
                .iter()
                .zip(target.fields())
                .map(|(col, field)| convert(col, field.data_type()))
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new_with_options(
                target.clone(),
                columns,
                &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
            )
            .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((target, out))
}

/// True when every non-null value has only months (so it is a YEAR TO MONTH interval).
fn is_year_month<'a>(arrays: impl Iterator<Item = &'a ArrayRef>) -> bool {
    let mut any = false;
    for array in arrays {
        let Some(a) = array.as_any().downcast_ref::<IntervalMonthDayNanoArray>() else {
            return false;
        };
        for v in a.iter().flatten() {
            if v.days != 0 || v.nanoseconds != 0 {
                return false;
            }
            any = true;
        }
    }
    any
}

fn convert(col: &ArrayRef, target: &DataType) -> Result<ArrayRef, String> {
    if col.data_type() == target {
        return Ok(col.clone());
    }
    if let Some(a) = col.as_any().downcast_ref::<IntervalMonthDayNanoArray>() {
        return Ok(match target {
            DataType::Interval(IntervalUnit::YearMonth) => Arc::new(
                a.iter()
                    .map(|v| v.map(|v| v.months))
                    .collect::<IntervalYearMonthArray>(),
            ),
            _ => Arc::new(
                a.iter()
                    .map(|v| v.map(month_day_nano_micros))
                    .collect::<DurationMicrosecondArray>(),
            ),
        });
    }
    arrow_cast::cast(col, target).map_err(|e| format!("cannot convert result column: {e}"))
}

/// Day-time value of a mixed interval; months count as 30 days, as Spark does when it must.
fn month_day_nano_micros(v: IntervalMonthDayNano) -> i64 {
    (v.months as i64 * 30 + v.days as i64) * MICROS_PER_DAY + v.nanoseconds / 1_000
}
