//! Spark's ARITHMETIC_OVERFLOW wording for integer operations, shared by the checked operators
//! (`checked_arithmetic.rs`) and the checked `sum` (`checked_sum.rs`).

use arrow_schema::{ArrowError, DataType};

/// An integer operation that can overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Add,
    Subtract,
    Multiply,
    Negate,
}

/// Spark's wording, e.g. `long overflow. Use 'try_add' to tolerate overflow ...`.
pub fn overflow(op: Op, t: &DataType) -> ArrowError {
    let kind = match t {
        DataType::Int8 => "tinyint",
        DataType::Int16 => "smallint",
        DataType::Int32 => "integer",
        _ => "long",
    };
    let alternative = match op {
        Op::Add => " Use 'try_add' to tolerate overflow and return NULL instead.",
        Op::Subtract => " Use 'try_subtract' to tolerate overflow and return NULL instead.",
        Op::Multiply => " Use 'try_multiply' to tolerate overflow and return NULL instead.",
        Op::Negate => "",
    };
    ArrowError::ArithmeticOverflow(format!(
        "{kind} overflow.{alternative} If necessary set \"ansi_mode\" to \"false\" to bypass this error."
    ))
}

/// The error of a BIGINT addition that overflows, which `checked_sum` raises too.
pub fn long_add_overflow() -> ArrowError {
    overflow(Op::Add, &DataType::Int64)
}
