//! `DESCRIBE QUERY <sql>`: the result columns of a query, without running it.

use super::show::{table_of, Col};
use crate::sessions::SessionView;
use crate::sql::engine::{Engine, Executed};
use crate::sql::sql_errors::SqlError;
use crate::sql::types;

/// The query after `DESCRIBE QUERY` / `DESC QUERY`, if `sql` is one.
pub fn query_of(sql: &str) -> Option<&str> {
    let rest = sql.trim_start();
    let rest = strip_word(rest, "DESCRIBE").or_else(|| strip_word(rest, "DESC"))?;
    strip_word(rest.trim_start(), "QUERY").map(str::trim)
}

fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let head = s.get(..word.len())?;
    let rest = &s[word.len()..];
    (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace)).then_some(rest)
}

pub async fn run(
    engine: &Engine,
    session: &SessionView,
    query: &str,
) -> Result<Executed, SqlError> {
    let schema = engine.plan_schema(session, query).await?;
    let (names, kinds): (Vec<_>, Vec<_>) = schema
        .fields()
        .iter()
        .map(|f| {
            (
                Some(f.name().clone()),
                Some(types::type_text(&types::canonical_type(f.data_type()))),
            )
        })
        .unzip();
    let comments = vec![None; names.len()];
    Ok(table_of(vec![
        Col::Str("col_name", false, names),
        Col::Str("data_type", false, kinds),
        Col::Str("comment", true, comments),
    ]))
}
