//! The name Spark gives an unaliased SELECT item: its expression printed back as Spark SQL
//! (`(x + 1)`, `count(1)`, `abc` for the literal `'abc'`). Only the common forms are covered;
//! for any other the caller keeps DataFusion's name.

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, CastKind, DataType as SqlType, DuplicateTreatment, Expr as SqlExpr, Function,
    FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value as SqlValue,
};

use crate::sql::nested_types::decimal_precision_scale;

/// Spark's name for `expr`, or `None` when it is not a form covered here.
pub fn of(expr: &SqlExpr) -> Option<String> {
    Some(match expr {
        SqlExpr::Value(v) => literal(&v.value)?,
        SqlExpr::Identifier(id) => id.value.clone(),
        // Spark names a column by its own name, without the table qualifier.
        SqlExpr::CompoundIdentifier(parts) => parts.last()?.value.clone(),
        SqlExpr::Nested(inner) => of(inner)?,
        SqlExpr::TypedString(t) if t.data_type == SqlType::Date => {
            let text = t.value.value.clone().into_string()?;
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
            format!("DATE '{}'", date.format("%Y-%m-%d"))
        }
        SqlExpr::TypedString(t) => {
            let word = match t.data_type {
                SqlType::Timestamp(None, _) => "TIMESTAMP",
                SqlType::TimestampNtz(None) => "TIMESTAMP_NTZ",
                _ => return None,
            };
            format!(
                "{word} '{}'",
                timestamp(&t.value.value.clone().into_string()?)?
            )
        }
        SqlExpr::UnaryOp { op, expr } => unary(op, expr)?,
        SqlExpr::BinaryOp { left, op, right } => binary(left, op, right)?,
        SqlExpr::IsNull(e) => format!("({} IS NULL)", of(e)?),
        SqlExpr::IsNotNull(e) => format!("({} IS NOT NULL)", of(e)?),
        SqlExpr::InList {
            expr,
            list,
            negated,
        } => {
            let list = list.iter().map(of).collect::<Option<Vec<_>>>()?.join(", ");
            let test = format!("({} IN ({list}))", of(expr)?);
            if *negated {
                format!("(NOT {test})")
            } else {
                test
            }
        }
        SqlExpr::Cast {
            kind,
            expr,
            data_type,
            array: false,
            format: None,
        } => {
            let word = match kind {
                CastKind::Cast | CastKind::DoubleColon => "CAST",
                CastKind::TryCast => "try_cast",
                CastKind::SafeCast => return None,
            };
            format!("{word}({} AS {})", of(expr)?, type_name(data_type)?)
        }
        // A simple CASE is Spark's searched CASE comparing the operand with `=`.
        SqlExpr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut text = "CASE".to_string();
            for when in conditions {
                let condition = match operand {
                    Some(operand) => format!("({} = {})", of(operand)?, of(&when.condition)?),
                    None => of(&when.condition)?,
                };
                text += &format!(" WHEN {condition} THEN {}", of(&when.result)?);
            }
            if let Some(e) = else_result {
                text += &format!(" ELSE {}", of(e)?);
            }
            text + " END"
        }
        // Spark prints LIKE unparenthesised; NOT LIKE is `NOT` around it.
        SqlExpr::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char: None,
        } => {
            let like = format!("{} LIKE {}", of(expr)?, of(pattern)?);
            if *negated {
                format!("(NOT {like})")
            } else {
                like
            }
        }
        SqlExpr::Function(f) => function(f)?,
        _ => return None,
    })
}

/// Numbers as their value (`007` is `7`), strings as their bare text, NULL and booleans as
/// keywords.
fn literal(value: &SqlValue) -> Option<String> {
    Some(match value {
        SqlValue::Number(text, _) => number(text)?,
        SqlValue::SingleQuotedString(s) | SqlValue::DoubleQuotedString(s) => s.clone(),
        SqlValue::Boolean(b) => b.to_string(),
        SqlValue::Null => "NULL".to_string(),
        _ => return None,
    })
}

/// An integer or plain decimal literal as Spark prints its value; one with an exponent is a
/// DOUBLE, printed as Java prints a double.
fn number(text: &str) -> Option<String> {
    if text.contains(['e', 'E']) {
        return double(text.parse().ok()?);
    }
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') || text.matches('.').count() > 1 {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Some(match frac {
        "" => int.to_string(),
        frac => format!("{int}.{frac}"),
    })
}

/// Java's `Double.toString`: the shortest digits that read back as `v`, in plain notation from
/// 10^-3 up to 10^7 (`1000.0`) and as `1.0E7` outside it.
fn double(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 || (1e-3..1e7).contains(&v.abs()) {
        return Some(format!("{v:?}"));
    }
    let scientific = format!("{v:e}");
    let (mantissa, exponent) = scientific.split_once('e')?;
    let point = if mantissa.contains('.') { "" } else { ".0" };
    Some(format!("{mantissa}{point}E{exponent}"))
}

/// A timestamp literal's text as Spark prints it back (`2024-01-02` is `2024-01-02 00:00:00`);
/// fractional seconds are left uncovered.
fn timestamp(text: &str) -> Option<String> {
    let text = text.trim();
    let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })?;
    if parsed.nanosecond() != 0 {
        return None;
    }
    Some(parsed.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn unary(op: &UnaryOperator, expr: &SqlExpr) -> Option<String> {
    Some(match op {
        // Spark's parser folds the sign into a numeric literal.
        UnaryOperator::Minus => match expr {
            SqlExpr::Value(v) if matches!(v.value, SqlValue::Number(..)) => {
                format!("-{}", literal(&v.value)?)
            }
            _ => format!("(- {})", of(expr)?),
        },
        UnaryOperator::Plus => format!("(+ {})", of(expr)?),
        UnaryOperator::Not | UnaryOperator::BangNot => format!("(NOT {})", of(expr)?),
        UnaryOperator::BitwiseNot => format!("~{}", of(expr)?),
        _ => return None,
    })
}

fn binary(left: &SqlExpr, op: &BinaryOperator, right: &SqlExpr) -> Option<String> {
    let symbol = match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        BinaryOperator::Modulo => "%",
        BinaryOperator::Eq => "=",
        BinaryOperator::Lt => "<",
        BinaryOperator::LtEq => "<=",
        BinaryOperator::Gt => ">",
        BinaryOperator::GtEq => ">=",
        BinaryOperator::Spaceship => "<=>",
        BinaryOperator::And => "AND",
        BinaryOperator::Or => "OR",
        BinaryOperator::BitwiseAnd => "&",
        BinaryOperator::BitwiseOr => "|",
        BinaryOperator::BitwiseXor => "^",
        // Spark reads `a != b` as `NOT (a = b)` and `a || b` as `concat(a, b)`.
        BinaryOperator::NotEq => return Some(format!("(NOT ({} = {}))", of(left)?, of(right)?)),
        BinaryOperator::StringConcat => {
            return Some(format!("concat({}, {})", of(left)?, of(right)?))
        }
        _ => return None,
    };
    Some(format!("({} {symbol} {})", of(left)?, of(right)?))
}

/// `name(args)` with the name lower-cased; `count(*)` is `count(1)`, as Spark rewrites it.
/// Window, FILTER, ordered and named-argument calls are left uncovered.
fn function(f: &Function) -> Option<String> {
    if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
        return None;
    }
    if !matches!(f.parameters, FunctionArguments::None) || f.name.0.len() != 1 {
        return None;
    }
    let name = f.name.to_string().to_lowercase();
    let list = match &f.args {
        // `CURRENT_DATE` without parentheses is the call `current_date()`.
        FunctionArguments::None => return Some(format!("{name}()")),
        FunctionArguments::List(list) if list.clauses.is_empty() => list,
        _ => return None,
    };
    let args = list
        .args
        .iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => of(e),
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) if name == "count" => {
                Some("1".to_string())
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?
        .join(", ");
    Some(match list.duplicate_treatment {
        Some(DuplicateTreatment::Distinct) => format!("{name}(DISTINCT {args})"),
        _ => format!("{name}({args})"),
    })
}

/// Spark's spelling of a type named in a CAST.
fn type_name(t: &SqlType) -> Option<String> {
    Some(
        match t {
            SqlType::TinyInt(_) => "TINYINT",
            SqlType::SmallInt(_) => "SMALLINT",
            SqlType::Int(_) | SqlType::Integer(_) => "INT",
            SqlType::BigInt(_) => "BIGINT",
            SqlType::Float(_) | SqlType::Real => "FLOAT",
            SqlType::Double(_) => "DOUBLE",
            // Spark casts to CHAR(n) and VARCHAR(n) as to STRING.
            SqlType::String(None)
            | SqlType::Char(_)
            | SqlType::Varchar(_)
            | SqlType::CharacterVarying(_) => "STRING",
            SqlType::Boolean | SqlType::Bool => "BOOLEAN",
            SqlType::Date => "DATE",
            SqlType::Timestamp(None, _) => "TIMESTAMP",
            SqlType::TimestampNtz(None) => "TIMESTAMP_NTZ",
            SqlType::Binary(None) => "BINARY",
            SqlType::Decimal(info) | SqlType::Numeric(info) | SqlType::Dec(info) => {
                let (p, s) = decimal_precision_scale(info);
                return Some(format!("DECIMAL({p},{s})"));
            }
            _ => return None,
        }
        .to_string(),
    )
}
