//! Spark SQL spellings DataFusion reads differently, rewritten in the parsed statement (never
//! in the SQL text): `?` markers, Spark type names (TIMESTAMP vs TIMESTAMP_NTZ, BINARY,
//! VARIANT) and qualified interval literals.

use std::ops::ControlFlow;

use arrow_schema::{DataType as ArrowType, IntervalUnit, TimeUnit};

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, CastKind, DataType as SqlType, ExactNumberInfo, Expr as SqlExpr,
    Statement, TimezoneInfo, Value as SqlValue,
};

use crate::sql::spark_intervals;

pub fn rewrite(statement: &mut DfStatement) {
    let DfStatement::Statement(stmt) = statement else {
        return;
    };
    if let Statement::CreateTable(create) = stmt.as_mut() {
        for col in &mut create.columns {
            spark_type(&mut col.data_type);
        }
        // Delta table properties (`TBLPROPERTIES (...)`, e.g. the column-defaults feature that
        // Databricks needs for DEFAULT) mean nothing to an in-memory table: accepted, ignored.
        use datafusion::sql::sqlparser::ast::CreateTableOptions;
        if matches!(create.table_options, CreateTableOptions::TableProperties(_)) {
            create.table_options = CreateTableOptions::None;
        }
    }
    // `?` markers become DataFusion's `$1, $2, ...` in order of appearance.
    let mut n = 0;
    let _ = visit_expressions_mut(stmt.as_mut(), |expr| {
        match expr {
            SqlExpr::Value(v) if matches!(&v.value, SqlValue::Placeholder(p) if p == "?") => {
                n += 1;
                v.value = SqlValue::Placeholder(format!("${n}"));
            }
            SqlExpr::Cast { data_type, .. } => spark_type(data_type),
            SqlExpr::TypedString(typed) => spark_type(&mut typed.data_type),
            SqlExpr::Interval(interval) => {
                if let Some(typed) = spark_intervals::replacement(interval) {
                    *expr = typed;
                }
            }
            // Spark reads a number with an exponent as DOUBLE; other fractional numbers are
            // exact DECIMALs (the planner's `parse_float_as_decimal`, which would also read
            // `1e308` as a decimal), so the text is cast to DOUBLE instead.
            SqlExpr::Value(v) if matches!(&v.value, SqlValue::Number(n, _) if n.contains(['e', 'E'])) =>
            {
                let text = match &v.value {
                    SqlValue::Number(n, _) => n.clone(),
                    _ => return ControlFlow::Continue(()),
                };
                *expr = SqlExpr::Cast {
                    kind: CastKind::Cast,
                    expr: Box::new(SqlExpr::Value(
                        SqlValue::SingleQuotedString(text).with_empty_span(),
                    )),
                    data_type: SqlType::Double(ExactNumberInfo::None),
                    array: false,
                    format: None,
                };
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// DataFusion types the markers of `INSERT ... VALUES` from the target columns by marker
/// number only (a `:name` there fails with "Can't parse placeholder"). In an INSERT, the
/// markers are numbered (see `number_markers`); returns the names in marker order (empty for
/// other statements).
pub fn number_named_markers(statement: &mut DfStatement) -> Vec<String> {
    let DfStatement::Statement(stmt) = statement else {
        return Vec::new();
    };
    if !matches!(stmt.as_ref(), Statement::Insert(_)) {
        return Vec::new();
    }
    number_markers(stmt.as_mut())
}

/// Numbers a statement's markers in source order: the n-th `?` becomes `$n`, and each
/// `:name` becomes `$k`, k counting distinct names in order of first appearance. Returns the
/// names in that order. Needed where the statement is rewritten before planning so that a
/// marker may repeat or move (MERGE) or is typed by number (INSERT).
pub fn number_markers(stmt: &mut Statement) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut n = 0;
    let _ = visit_expressions_mut(stmt, |expr| {
        if let SqlExpr::Value(v) = expr {
            if let SqlValue::Placeholder(p) = &v.value {
                let k = if p == "?" {
                    n += 1;
                    n
                } else if let Some(name) = p.strip_prefix(':') {
                    match names.iter().position(|x| x == name) {
                        Some(i) => i + 1,
                        None => {
                            names.push(name.to_string());
                            names.len()
                        }
                    }
                } else {
                    return ControlFlow::Continue(());
                };
                v.value = SqlValue::Placeholder(format!("${k}"));
            }
        }
        ControlFlow::<()>::Continue(())
    });
    names
}

/// Maps Spark type spellings onto ones DataFusion plans.
fn spark_type(t: &mut SqlType) {
    let replacement = match t {
        SqlType::Binary(_) | SqlType::Varbinary(_) => SqlType::Bytea,
        // Spark's TIMESTAMP is an instant shown in the session zone: DataFusion's
        // `TIMESTAMP WITH TIME ZONE` (its zone is the session's `execution.time_zone`), in
        // microseconds as in Spark, which spans the years 0001-9999 (nanoseconds do not).
        SqlType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithTimeZone) => {
            SqlType::Timestamp(Some(6), TimezoneInfo::WithTimeZone)
        }
        SqlType::Timestamp(_, TimezoneInfo::WithoutTimeZone) => {
            SqlType::Timestamp(Some(6), TimezoneInfo::WithoutTimeZone)
        }
        // Spark's TIMESTAMP_NTZ is a wall-clock value: DataFusion's plain TIMESTAMP.
        SqlType::TimestampNtz(_) => SqlType::Timestamp(Some(6), TimezoneInfo::WithoutTimeZone),
        // VARIANT values are carried as JSON text.
        SqlType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("variant") => {
            SqlType::String(None)
        }
        _ => return,
    };
    *t = replacement;
}

/// Spark interval column types (`INTERVAL YEAR`, `INTERVAL DAY TO SECOND`, ...), which the
/// parser rejects in column definitions. Drops the qualifiers of a CREATE statement at the
/// token level, leaving a plain `INTERVAL`, and returns the text with the Arrow type each such
/// column must get instead (as DataFusion normalises its name); `None` when there is none.
pub fn without_interval_qualifiers(sql: &str) -> Option<(String, Vec<(String, ArrowType)>)> {
    use datafusion::sql::sqlparser::dialect::DatabricksDialect;
    use datafusion::sql::sqlparser::keywords::Keyword;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&DatabricksDialect, sql).tokenize().ok()?;
    let is_word = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    let unit = |t: &Token| match t {
        Token::Word(w) => match w.keyword {
            Keyword::YEAR | Keyword::MONTH => Some(true),
            Keyword::DAY | Keyword::HOUR | Keyword::MINUTE | Keyword::SECOND => Some(false),
            _ => None,
        },
        _ => None,
    };
    let mut words = tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_)));
    if !is_word(words.next()?, Keyword::CREATE) {
        return None;
    }
    let mut out: Vec<&Token> = Vec::with_capacity(tokens.len());
    let mut columns = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        out.push(t);
        i += 1;
        if !is_word(t, Keyword::INTERVAL) {
            continue;
        }
        let next = |from: usize| {
            (from..tokens.len()).find(|&j| !matches!(tokens[j], Token::Whitespace(_)))
        };
        let Some(first) = next(i).filter(|&j| unit(&tokens[j]).is_some()) else {
            continue;
        };
        let year_month = unit(&tokens[first]) == Some(true);
        i = first + 1;
        if let Some(to) = next(i).filter(|&j| is_word(&tokens[j], Keyword::TO)) {
            i = next(to + 1).filter(|&j| unit(&tokens[j]).is_some())? + 1;
        }
        let name = out
            .iter()
            .rev()
            .skip(1)
            .find(|t| !matches!(t, Token::Whitespace(_)));
        if let Some(Token::Word(w)) = name {
            let name = match w.quote_style {
                Some(_) => w.value.clone(),
                None => w.value.to_lowercase(),
            };
            let arrow = if year_month {
                ArrowType::Interval(IntervalUnit::YearMonth)
            } else {
                ArrowType::Duration(TimeUnit::Microsecond)
            };
            columns.push((name, arrow));
        }
    }
    if columns.is_empty() {
        return None;
    }
    Some((out.iter().map(|t| t.to_string()).collect(), columns))
}

/// `CREATE TABLE … USING DELTA` (any format): the clause names a storage format this
/// in-memory engine ignores. Drops a top-level `USING <word>` from a CREATE statement at the
/// token level (string literals and identifiers untouched); `None` when there is none.
pub fn without_using_format(sql: &str) -> Option<String> {
    use datafusion::sql::sqlparser::dialect::DatabricksDialect;
    use datafusion::sql::sqlparser::keywords::Keyword;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&DatabricksDialect, sql).tokenize().ok()?;
    let is_word = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    let first = tokens.iter().find(|t| !matches!(t, Token::Whitespace(_)))?;
    if !is_word(first, Keyword::CREATE) {
        return None;
    }
    let mut depth = 0i32;
    let mut out = Vec::with_capacity(tokens.len());
    let mut skip_next_word = false;
    let mut changed = false;
    for t in tokens {
        match &t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if skip_next_word {
            match t {
                Token::Whitespace(_) => continue,
                Token::Word(_) => {
                    skip_next_word = false;
                    continue;
                }
                _ => return None,
            }
        }
        if depth == 0 && is_word(&t, Keyword::USING) {
            skip_next_word = true;
            changed = true;
            continue;
        }
        out.push(t);
    }
    changed.then(|| out.iter().map(|t| t.to_string()).collect())
}
