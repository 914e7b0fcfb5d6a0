//! A few Spark functions DataFusion lacks, as Databricks clients use them in tests:
//! `from_utc_timestamp`, `to_utc_timestamp`, `parse_json` (VARIANT is carried as JSON text),
//! `date_add` and `date_sub`.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::{Date32Type, Int32Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, Date32Array, TimestampMicrosecondArray};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, TimeZone};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub fn all() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(ShiftZone::new("from_utc_timestamp", true)),
        ScalarUDF::new_from_impl(ShiftZone::new("to_utc_timestamp", false)),
        ScalarUDF::new_from_impl(ParseJson {
            signature: Signature::any(1, Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(AddDays::new("date_add", 1)),
        ScalarUDF::new_from_impl(AddDays::new("date_sub", -1)),
    ]
}

/// Shifts a timestamp between UTC and a zone's wall clock.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ShiftZone {
    name: &'static str,
    from_utc: bool,
    signature: Signature,
}

impl ShiftZone {
    fn new(name: &'static str, from_utc: bool) -> Self {
        Self {
            name,
            from_utc,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }

    fn shift(&self, tz: &Tz, micros: i64) -> Option<i64> {
        let naive = DateTime::from_timestamp_micros(micros)?.naive_utc();
        let shifted = if self.from_utc {
            tz.from_utc_datetime(&naive).naive_local()
        } else {
            tz.from_local_datetime(&naive).earliest()?.naive_utc()
        };
        Some(shifted.and_utc().timestamp_micros())
    }
}

fn naive_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

impl ScalarUDFImpl for ShiftZone {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(naive_micros())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let zone = match &args.args[1] {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(z)))
            | ColumnarValue::Scalar(ScalarValue::LargeUtf8(Some(z)))
            | ColumnarValue::Scalar(ScalarValue::Utf8View(Some(z))) => z.clone(),
            _ => return exec_err!("{}: the time zone must be a constant string", self.name),
        };
        let Ok(tz) = zone.parse::<Tz>() else {
            return exec_err!("{}: invalid time zone '{zone}'", self.name);
        };
        let input = args.args[0].to_array(args.number_rows)?;
        // Strings and zone-aware values are read as UTC wall-clock values first.
        let naive = match input.data_type() {
            DataType::Timestamp(unit, Some(_)) => {
                arrow_cast::cast(&input, &DataType::Timestamp(*unit, None))?
            }
            _ => input,
        };
        let micros = arrow_cast::cast(&naive, &naive_micros())?;
        let out: TimestampMicrosecondArray = micros
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .map(|v| v.and_then(|m| self.shift(&tz, m)))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    }
}

/// `parse_json(text)`: VARIANT values travel as their JSON text (as SEA emits them).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ParseJson {
    signature: Signature,
}

impl ScalarUDFImpl for ParseJson {
    fn name(&self) -> &str {
        "parse_json"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let input = args.args[0].to_array(args.number_rows)?;
        let text = arrow_cast::cast(&input, &DataType::Utf8)?;
        for v in text.as_string::<i32>().iter().flatten() {
            if serde_json::from_str::<serde_json::Value>(v).is_err() {
                return exec_err!("[MALFORMED_RECORD_IN_PARSING] Malformed JSON: {v}");
            }
        }
        Ok(ColumnarValue::Array(text))
    }
}

/// Spark's `date_add(start, days)` / `date_sub(start, days)`: a DATE (strings and timestamps
/// are read as dates first) moved by a whole number of days.
#[derive(Debug, PartialEq, Eq, Hash)]
struct AddDays {
    name: &'static str,
    direction: i32,
    signature: Signature,
}

impl AddDays {
    fn new(name: &'static str, direction: i32) -> Self {
        Self {
            name,
            direction,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for AddDays {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if !args[1].is_integer() && args[1] != DataType::Null {
            return exec_err!(
                "{}: the number of days must be an integer, not {}",
                self.name,
                args[1]
            );
        }
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let start = arrow_cast::cast(&args.args[0].to_array(args.number_rows)?, &DataType::Date32)?;
        let days = arrow_cast::cast(&args.args[1].to_array(args.number_rows)?, &DataType::Int32)?;
        let out: Date32Array = start
            .as_primitive::<Date32Type>()
            .iter()
            .zip(days.as_primitive::<Int32Type>().iter())
            .map(|(d, n)| d?.checked_add(n?.checked_mul(self.direction)?))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    }
}
