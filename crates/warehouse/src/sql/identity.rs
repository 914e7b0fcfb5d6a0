//! Identity columns (`GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [(START WITH n INCREMENT
//! BY m)]` on a BIGINT column). Each such column gets its own sequence, and its column default
//! becomes a call of `__sluice_identity(<sequence>)`, which takes the next values of that
//! sequence, one per row. DataFusion then fills the column like any column with a default:
//! when an INSERT omits it (VALUES or SELECT) or, through `insert_defaults`, gives DEFAULT.
//! As on Databricks, values are unique and follow the increment but may leave gaps (a failed
//! or cancelled statement uses up the values it took).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use arrow_array::Int64Array;
use arrow_schema::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast::{
    ColumnOption, DataType as SqlType, Expr as SqlExpr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, GeneratedAs, Ident, ObjectName, SequenceOptions,
    UnaryOperator, Value as SqlValue,
};

use crate::sql::sql_errors::SqlError;
use crate::table_meta::Identity;

const NAME: &str = "__sluice_identity";

/// Every identity column's next value and increment, by sequence number. Process-wide: a
/// sequence number is never reused, so warehouses in one process cannot share one.
struct Sequences {
    ids: AtomicU64,
    next: Mutex<HashMap<u64, (i64, i64)>>,
}

static SEQUENCES: LazyLock<Sequences> = LazyLock::new(|| Sequences {
    ids: AtomicU64::new(1),
    next: Mutex::default(),
});

impl Sequences {
    fn create(&self, start: i64, increment: i64) -> u64 {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, (start, increment));
        id
    }

    /// The next `n` values of sequence `id`.
    fn take(&self, id: u64, n: usize) -> Result<Vec<i64>> {
        let mut all = self.lock();
        let Some((next, step)) = all.get_mut(&id) else {
            return exec_err!("unknown identity sequence {id}");
        };
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(*next);
            *next = match next.checked_add(*step) {
                Some(v) => v,
                None => return exec_err!("identity column values exceed the BIGINT range"),
            };
        }
        Ok(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (i64, i64)>> {
        self.next.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A column option `GENERATED ... AS IDENTITY` of column `name` (typed `data_type`): the
/// identity it declares and the default expression that replaces the option; `None` for
/// other options.
pub fn declared(
    name: &str,
    data_type: &SqlType,
    option: &ColumnOption,
) -> Result<Option<(Identity, SqlExpr)>, SqlError> {
    let ColumnOption::Generated {
        generated_as,
        sequence_options,
        generation_expr: None,
        ..
    } = option
    else {
        return Ok(None);
    };
    let always = match generated_as {
        GeneratedAs::Always => true,
        GeneratedAs::ByDefault => false,
        GeneratedAs::ExpStored => return Ok(None),
    };
    if !matches!(data_type, SqlType::BigInt(_) | SqlType::Int8(_)) {
        return Err(SqlError::new(
            "DELTA_IDENTITY_COLUMNS_UNSUPPORTED_DATA_TYPE",
            "428H2",
            format!("DataType {data_type} is not supported for IDENTITY columns."),
        ));
    }
    let (mut start, mut increment) = (1, 1);
    for o in sequence_options.iter().flatten() {
        match o {
            SequenceOptions::StartWith(e, _) => start = integer(e)?,
            SequenceOptions::IncrementBy(e, _) => increment = integer(e)?,
            _ => return Err(bad_option(&o.to_string())),
        }
    }
    if increment == 0 {
        return Err(SqlError::new(
            "DELTA_IDENTITY_COLUMNS_ILLEGAL_STEP",
            "42611",
            "IDENTITY column step cannot be 0.",
        ));
    }
    let id = SEQUENCES.create(start, increment);
    let call = SqlExpr::Function(Function {
        name: ObjectName::from(vec![Ident::new(NAME)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(SqlExpr::value(
                SqlValue::Number(id.to_string(), false),
            )))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    });
    let identity = Identity {
        column: name.to_string(),
        always,
        start,
        increment,
    };
    Ok(Some((identity, call)))
}

fn integer(e: &SqlExpr) -> Result<i64, SqlError> {
    let parsed = match e {
        SqlExpr::Value(v) => match &v.value {
            SqlValue::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        SqlExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => integer(expr).ok().and_then(|n: i64| n.checked_neg()),
        _ => None,
    };
    parsed.ok_or_else(|| bad_option(&e.to_string()))
}

fn bad_option(text: &str) -> SqlError {
    SqlError::new(
        "PARSE_SYNTAX_ERROR",
        "42601",
        format!("Syntax error at or near '{text}': IDENTITY takes START WITH and INCREMENT BY integers."),
    )
}

/// The function behind identity defaults.
pub fn udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(NextIdentity {
        signature: Signature::exact(vec![DataType::Int64], Volatility::Volatile),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NextIdentity {
    signature: Signature,
}

impl ScalarUDFImpl for NextIdentity {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let id = match args.args.first() {
            Some(ColumnarValue::Scalar(ScalarValue::Int64(Some(id)))) => *id as u64,
            _ => return exec_err!("{NAME} takes a constant sequence number"),
        };
        let values = SEQUENCES.take(id, args.number_rows)?;
        Ok(ColumnarValue::Array(Arc::new(Int64Array::from(values))))
    }
}

/// Databricks writes `IDENTITY (START WITH n INCREMENT BY m)`; the parser takes the sequence
/// options in PostgreSQL's order only (INCREMENT before START). Swaps the two at the token
/// level; `None` when there is nothing to swap.
pub fn options_in_parser_order(sql: &str) -> Option<String> {
    use datafusion::sql::sqlparser::dialect::DatabricksDialect;
    use datafusion::sql::sqlparser::keywords::Keyword;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&DatabricksDialect, sql).tokenize().ok()?;
    let is_word = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut changed = false;
    let mut i = 0;
    while i < tokens.len() {
        out.push(tokens[i].to_string());
        let after_identity = is_word(&tokens[i], Keyword::IDENTITY);
        i += 1;
        if !after_identity {
            continue;
        }
        let Some(open) = (i..tokens.len()).find(|&j| !matches!(tokens[j], Token::Whitespace(_)))
        else {
            break;
        };
        if tokens[open] != Token::LParen {
            continue;
        }
        let close = (open..tokens.len()).find(|&j| tokens[j] == Token::RParen)?;
        let inner = &tokens[open + 1..close];
        let first = inner
            .iter()
            .position(|t| !matches!(t, Token::Whitespace(_)))?;
        let incr = inner.iter().position(|t| is_word(t, Keyword::INCREMENT));
        if let (true, Some(incr)) = (is_word(&inner[first], Keyword::START), incr) {
            out.push(format!(
                "({} {})",
                text_of(&inner[incr..]).trim(),
                text_of(&inner[first..incr]).trim()
            ));
            changed = true;
        } else {
            out.push(text_of(&tokens[i..=close]));
        }
        i = close + 1;
    }
    changed.then(|| out.concat())
}

fn text_of(tokens: &[datafusion::sql::sqlparser::tokenizer::Token]) -> String {
    tokens.iter().map(|t| t.to_string()).collect()
}
