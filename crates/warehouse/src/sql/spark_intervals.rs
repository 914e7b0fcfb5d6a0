//! Spark's qualified interval literals (`INTERVAL '1-2' YEAR TO MONTH`,
//! `INTERVAL '1 02:03:04.5' DAY TO SECOND`, `INTERVAL '3' DAY`, ...), which DataFusion either
//! rejects (ranges) or types as MonthDayNano. They become values of the types Databricks
//! emits: year-month intervals `Interval(YearMonth)`, day-time intervals `Duration(µs)`.

use datafusion::sql::sqlparser::ast::{
    DateTimeField as F, Expr as SqlExpr, Interval, Value as SqlValue,
};
use datafusion::sql::sqlparser::dialect::DatabricksDialect;
use datafusion::sql::sqlparser::parser::Parser;

const MICROS_PER_SECOND: i128 = 1_000_000;

/// The typed replacement of a Spark interval literal; `None` leaves it to DataFusion (which
/// then reports what it cannot read).
pub fn replacement(interval: &Interval) -> Option<SqlExpr> {
    let leading = interval.leading_field.as_ref()?;
    let text = match interval.value.as_ref() {
        SqlExpr::Value(v) => match &v.value {
            SqlValue::SingleQuotedString(s) | SqlValue::Number(s, _) => s.trim().to_string(),
            _ => return None,
        },
        _ => return None,
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text.strip_prefix('+').unwrap_or(&text).trim_start()),
    };
    let sign = if negative { -1 } else { 1 };
    let typed = match (leading, interval.last_field.as_ref()) {
        (F::Year, None) => year_month(sign * whole(body)? * 12)?,
        (F::Month, None) => year_month(sign * whole(body)?)?,
        (F::Year, Some(F::Month)) => {
            let (y, m) = body.split_once('-')?;
            let m = whole(m)?;
            if m >= 12 {
                return None;
            }
            year_month(sign * (whole(y)? * 12 + m))?
        }
        (first, last) => day_time(sign * micros(first, last, body)?)?,
    };
    Parser::new(&DatabricksDialect)
        .try_with_sql(&typed)
        .ok()?
        .parse_expr()
        .ok()
}

fn year_month(months: i128) -> Option<String> {
    let months = i32::try_from(months).ok()?;
    Some(format!(
        "arrow_cast('{months} months', 'Interval(YearMonth)')"
    ))
}

fn day_time(micros: i128) -> Option<String> {
    let micros = i64::try_from(micros).ok()?;
    Some(format!("arrow_cast({micros}, 'Duration(Microsecond)')"))
}

fn whole(s: &str) -> Option<i128> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Seconds with an optional fraction of up to 9 digits (digits past microseconds dropped).
fn seconds_micros(s: &str) -> Option<i128> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_micros: i128 = format!("{frac:0<6}")[..6].parse().ok()?;
    Some(whole(int)? * MICROS_PER_SECOND + frac_micros)
}

/// Microseconds of a day-time interval body, e.g. `3 04:30:20.123` for DAY TO SECOND.
fn micros(first: &F, last: Option<&F>, body: &str) -> Option<i128> {
    const MINUTE: i128 = 60 * MICROS_PER_SECOND;
    const HOUR: i128 = 60 * MINUTE;
    const DAY: i128 = 24 * HOUR;
    let (days, clock) = match first {
        F::Day => match body.split_once(' ') {
            Some((d, rest)) => (whole(d)?, rest.trim()),
            None if last.is_none() => return Some(whole(body)? * DAY),
            None => return None,
        },
        _ => (0, body),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    // The clock fields present, from the largest; the last may carry a fraction of a second.
    let units: &[i128] = match (first, last) {
        (F::Day, Some(F::Hour)) | (F::Hour, None) => &[HOUR],
        (F::Day, Some(F::Minute)) | (F::Hour, Some(F::Minute)) => &[HOUR, MINUTE],
        (F::Day, Some(F::Second)) | (F::Hour, Some(F::Second)) => &[HOUR, MINUTE, 1],
        (F::Minute, None) => &[MINUTE],
        (F::Minute, Some(F::Second)) => &[MINUTE, 1],
        (F::Second, None) => &[1],
        _ => return None,
    };
    if parts.len() != units.len() {
        return None;
    }
    let mut total = days * DAY;
    for (part, unit) in parts.iter().zip(units) {
        total += if *unit == 1 {
            seconds_micros(part)?
        } else {
            whole(part)? * unit
        };
    }
    Some(total)
}
