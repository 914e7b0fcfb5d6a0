//! JSON_ARRAY / CSV rendering: every non-null value becomes a string, as on real warehouses.
//! TIMESTAMP carries the session offset (`2021-01-01T10:00:00.000-08:00`), BINARY is base64,
//! complex types are JSON text, intervals use Spark's `INTERVAL '…' … TO …` text.

use arrow_array::cast::AsArray;
use arrow_array::types::{DurationMicrosecondType, IntervalYearMonthType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;
use base64::Engine as _;

pub type Row = Vec<Option<String>>;

const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f%:z";

fn options() -> FormatOptions<'static> {
    FormatOptions::new()
        .with_timestamp_tz_format(Some(TIMESTAMP_FORMAT))
        .with_timestamp_format(Some("%Y-%m-%dT%H:%M:%S%.3f"))
        .with_date_format(Some("%Y-%m-%d"))
}

/// Renders canonical (see `types.rs`) batches as rows of optional strings.
pub fn render(batches: &[RecordBatch]) -> Result<Vec<Row>, String> {
    let opts = options();
    let mut rows = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for batch in batches {
        let start = rows.len();
        rows.extend((0..batch.num_rows()).map(|_| Vec::with_capacity(batch.num_columns())));
        for col in batch.columns() {
            let column = Column::new(col, &opts)?;
            for (i, row) in rows[start..].iter_mut().enumerate() {
                row.push(column.value(i)?);
            }
        }
    }
    Ok(rows)
}

/// One column with its formatter built once (building one per value is slow).
struct Column<'a> {
    col: &'a ArrayRef,
    fmt: ArrayFormatter<'a>,
}

impl<'a> Column<'a> {
    fn new(col: &'a ArrayRef, opts: &'a FormatOptions<'a>) -> Result<Self, String> {
        let fmt = ArrayFormatter::try_new(col.as_ref(), opts).map_err(|e| e.to_string())?;
        Ok(Column { col, fmt })
    }

    fn value(&self, i: usize) -> Result<Option<String>, String> {
        if is_null(self.col.as_ref(), i) {
            return Ok(None);
        }
        match self.col.data_type() {
            DataType::Timestamp(..) => Ok(Some(utc_as_z(self.fmt.value(i).to_string()))),
            DataType::Binary
            | DataType::Duration(_)
            | DataType::Interval(_)
            | DataType::List(_)
            | DataType::Map(..)
            | DataType::Struct(_) => render_value(self.col, i),
            _ => Ok(Some(self.fmt.value(i).to_string())),
        }
    }
}

/// Spark writes a zero offset as `Z`.
fn utc_as_z(s: String) -> String {
    match s.strip_suffix("+00:00") {
        Some(prefix) => format!("{prefix}Z"),
        None => s,
    }
}

/// Null test that also sees the nulls of `NullArray` (which has no validity buffer).
fn is_null(col: &dyn Array, i: usize) -> bool {
    col.logical_nulls().is_some_and(|n| n.is_null(i))
}

/// One value, for types without a plain text formatter (and nested elements).
fn render_value(col: &ArrayRef, i: usize) -> Result<Option<String>, String> {
    if is_null(col.as_ref(), i) {
        return Ok(None);
    }
    let text = match col.data_type() {
        DataType::Binary => {
            base64::engine::general_purpose::STANDARD.encode(col.as_binary::<i32>().value(i))
        }
        DataType::Duration(_) => {
            day_time_text(col.as_primitive::<DurationMicrosecondType>().value(i))
        }
        DataType::Interval(_) => {
            year_month_text(col.as_primitive::<IntervalYearMonthType>().value(i))
        }
        DataType::List(_) | DataType::Map(..) | DataType::Struct(_) => {
            let mut out = String::new();
            write_json(&mut out, col.as_ref(), i)?;
            out
        }
        DataType::Timestamp(..) => utc_as_z(display(col.as_ref(), i)?),
        _ => display(col.as_ref(), i)?,
    };
    Ok(Some(text))
}

fn display(col: &dyn Array, i: usize) -> Result<String, String> {
    let opts = options();
    let f = ArrayFormatter::try_new(col, &opts).map_err(|e| e.to_string())?;
    Ok(f.value(i).to_string())
}

fn year_month_text(months: i32) -> String {
    let sign = if months < 0 { "-" } else { "" };
    let m = months.unsigned_abs();
    format!("INTERVAL '{sign}{}-{}' YEAR TO MONTH", m / 12, m % 12)
}

fn day_time_text(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let u = micros.unsigned_abs();
    let (days, rest) = (u / 86_400_000_000, u % 86_400_000_000);
    let (h, rest) = (rest / 3_600_000_000, rest % 3_600_000_000);
    let (m, rest) = (rest / 60_000_000, rest % 60_000_000);
    let (s, frac) = (rest / 1_000_000, rest % 1_000_000);
    let frac = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:06}").trim_end_matches('0').to_string()
    };
    format!("INTERVAL '{sign}{days} {h:02}:{m:02}:{s:02}{frac}' DAY TO SECOND")
}

/// JSON text of one nested value (Spark renders complex types as JSON in JSON_ARRAY).
fn write_json(out: &mut String, col: &dyn Array, i: usize) -> Result<(), String> {
    if is_null(col, i) {
        out.push_str("null");
        return Ok(());
    }
    match col.data_type() {
        DataType::List(_) => {
            let list = col.as_list::<i32>();
            let values = list.value(i);
            out.push('[');
            for j in 0..values.len() {
                if j > 0 {
                    out.push(',');
                }
                write_json(out, values.as_ref(), j)?;
            }
            out.push(']');
        }
        DataType::Map(..) => {
            let map = col.as_map();
            let entries = map.value(i);
            out.push('{');
            for j in 0..entries.len() {
                if j > 0 {
                    out.push(',');
                }
                let key = display(entries.column(0).as_ref(), j)?;
                out.push_str(&serde_json::to_string(&key).map_err(|e| e.to_string())?);
                out.push(':');
                write_json(out, entries.column(1).as_ref(), j)?;
            }
            out.push('}');
        }
        DataType::Struct(fields) => {
            let s = col.as_struct();
            out.push('{');
            for (k, field) in fields.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(field.name()).map_err(|e| e.to_string())?);
                out.push(':');
                write_json(out, s.column(k).as_ref(), i)?;
            }
            out.push('}');
        }
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Decimal128(..) => out.push_str(&display(col, i)?),
        DataType::Float32 | DataType::Float64 => {
            let s = display(col, i)?;
            if s.parse::<f64>().is_ok_and(f64::is_finite) {
                out.push_str(&s);
            } else {
                out.push_str(&serde_json::to_string(&s).map_err(|e| e.to_string())?);
            }
        }
        _ => {
            let array: ArrayRef = col.slice(i, 1);
            let s = render_value(&array, 0)?.unwrap_or_default();
            out.push_str(&serde_json::to_string(&s).map_err(|e| e.to_string())?);
        }
    }
    Ok(())
}

/// JSON_ARRAY file body: a compact array of arrays.
pub fn json_file(rows: &[Row]) -> Vec<u8> {
    serde_json::to_vec(rows).unwrap_or_default()
}

/// CSV file body (RFC 4180; null written as `null`; header only when asked).
pub fn csv_file(header: Option<&[String]>, rows: &[Row]) -> Vec<u8> {
    let mut out = String::new();
    if let Some(names) = header {
        let line: Vec<String> = names.iter().map(|n| csv_field(n)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .map(|v| {
                v.as_deref()
                    .map(csv_field)
                    .unwrap_or_else(|| "null".to_string())
            })
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
