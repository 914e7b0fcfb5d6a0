//! Spark's CAST_OVERFLOW for a number that does not fit the numeric type it is cast to.
//! DataFusion reports it as a cast error (`Can't cast value 3000000000 to type Int32`), which
//! would otherwise read as CAST_INVALID_INPUT.

/// The text of the CAST_OVERFLOW error `message` describes, if it is a numeric overflow
/// (`sql_errors.rs` gives it its class and SQLSTATE). The message does
/// not name the source type: an integral value is reported as BIGINT (the type of a large
/// integer literal), any other as DOUBLE.
pub fn message(message: &str) -> Option<String> {
    let rest = message.split("Can't cast value ").nth(1)?;
    let (value, target) = rest.split_once(" to type ")?;
    let target = spark_type(target.trim())?;
    let integral = value.parse::<i128>().is_ok();
    if !integral && value.parse::<f64>().is_err() {
        return None;
    }
    let (literal, source) = if integral {
        (format!("{value}L"), "BIGINT")
    } else {
        (format!("{value}D"), "DOUBLE")
    };
    Some(format!(
        "The value {literal} of the type \"{source}\" cannot be cast to \"{target}\" due to an \
         overflow. Use `try_cast` to tolerate overflow and return NULL instead."
    ))
}

fn spark_type(arrow: &str) -> Option<&'static str> {
    Some(match arrow {
        "Int8" => "TINYINT",
        "Int16" => "SMALLINT",
        "Int32" => "INT",
        "Int64" => "BIGINT",
        _ => return None,
    })
}
