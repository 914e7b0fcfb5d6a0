//! Statements DataFusion does not speak but Databricks clients send: `USE ...`,
//! `SET CATALOG/SCHEMA ...`, `SET TIME ZONE ...`, and the SHOW commands of protocol.md §6.

mod describe;
mod glob;
mod keys;
mod show;

use crate::sessions::{validate_timezone, SessionView};
use crate::sql::engine::{Effect, Engine, Executed};
use crate::sql::sql_errors::SqlError;

/// Handles `sql` when it is one of our commands; `None` lets DataFusion run it.
pub async fn handle(
    engine: &Engine,
    session: &SessionView,
    sql: &str,
) -> Option<Result<Executed, SqlError>> {
    if is_spark_conf_assignment(sql) {
        return Some(Ok(Executed::no_result(Effect::None)));
    }
    if let Some(query) = describe::query_of(sql) {
        return Some(describe::run(engine, session, query).await);
    }
    let tokens = tokenize(sql)?;
    let words: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["USE", "CATALOG", _] => Some(use_catalog(engine, &tokens[2])),
        ["USE", "SCHEMA" | "DATABASE", rest @ ..] | ["USE", rest @ ..] if !rest.is_empty() => {
            let name = tokens[tokens.len() - 1].clone();
            Some(use_schema(engine, session, &name, rest.len()))
        }
        // JDBC's Connection.setCatalog / setSchema.
        ["SET", "CATALOG", _] => Some(use_catalog(engine, &tokens[2])),
        ["SET", "SCHEMA" | "DATABASE", _] => {
            let name = tokens[2].clone();
            Some(use_schema(engine, session, &name, 1))
        }
        ["SET", "TIME", "ZONE", _] => Some(set_timezone(&tokens[3])),
        ["SHOW", "KEYS" | "PRIMARY" | "FOREIGN" | "FUNCTIONS", ..] => {
            keys::run(engine, &tokens).await
        }
        ["SHOW", ..] => show::run(engine, session, &tokens).await,
        _ => None,
    }
}

fn use_catalog(engine: &Engine, catalog: &str) -> Result<Executed, SqlError> {
    if engine.catalog(catalog).is_none() {
        return Err(no_such_catalog(catalog));
    }
    Ok(Executed::no_result(Effect::UseNamespace {
        catalog: Some(catalog.to_string()),
        schema: Some("default".to_string()).filter(|_| {
            engine
                .catalog(catalog)
                .is_some_and(|c| c.schema("default").is_some())
        }),
    }))
}

fn use_schema(
    engine: &Engine,
    session: &SessionView,
    name: &str,
    parts: usize,
) -> Result<Executed, SqlError> {
    let (catalog, schema) = match name.split_once('.') {
        Some((c, s)) => (c.to_string(), s.to_string()),
        None => (session.catalog.clone(), name.to_string()),
    };
    if parts != 1 {
        return Err(SqlError::new(
            "PARSE_SYNTAX_ERROR",
            "42601",
            "Syntax error in USE statement.",
        ));
    }
    let cat = engine
        .catalog(&catalog)
        .ok_or_else(|| no_such_catalog(&catalog))?;
    if cat.schema(&schema).is_none() {
        return Err(SqlError::new(
            "SCHEMA_NOT_FOUND",
            "42704",
            format!("The schema `{catalog}`.`{schema}` cannot be found."),
        ));
    }
    Ok(Executed::no_result(Effect::UseNamespace {
        catalog: Some(catalog),
        schema: Some(schema),
    }))
}

fn set_timezone(tz: &str) -> Result<Executed, SqlError> {
    let tz = if tz.eq_ignore_ascii_case("LOCAL") {
        "Etc/UTC"
    } else {
        tz
    };
    validate_timezone(tz)
        .map(|tz| Executed::no_result(Effect::SetTimezone(tz)))
        .map_err(|m| SqlError::new("INVALID_CONF_VALUE.TIME_ZONE", "22023", m))
}

/// `SET spark.… = …` (and other `SET key = value` of Spark confs) is accepted and ignored:
/// the engine has no such knobs, and clients send them routinely.
fn is_spark_conf_assignment(sql: &str) -> bool {
    let sql = sql.trim();
    let Some(rest) = sql
        .get(..4)
        .filter(|h| h.eq_ignore_ascii_case("SET "))
        .map(|_| &sql[4..])
    else {
        return false;
    };
    rest.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim().trim_matches('`').to_ascii_lowercase();
        key.starts_with("spark.") || key == "ansi_mode" || key == "use_cached_result"
    })
}

pub fn no_such_catalog(catalog: &str) -> SqlError {
    SqlError::new(
        "NO_SUCH_CATALOG_EXCEPTION",
        "42704",
        format!("Catalog '{catalog}' was not found."),
    )
}

/// Splits a command into words: identifiers (backticks removed, dotted names kept whole)
/// and quoted strings (quotes removed). `None` for anything with other punctuation.
fn tokenize(sql: &str) -> Option<Vec<String>> {
    let sql = sql.trim().trim_end_matches(';').trim();
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        loop {
            match chars.peek().copied() {
                None => break,
                Some(c) if c.is_whitespace() => break,
                Some(q @ ('\'' | '"' | '`')) => {
                    chars.next();
                    loop {
                        match chars.next()? {
                            ch if ch == q => {
                                if chars.peek() == Some(&q) {
                                    chars.next();
                                    word.push(q);
                                } else {
                                    break;
                                }
                            }
                            ch => word.push(ch),
                        }
                    }
                }
                Some(c)
                    if c.is_alphanumeric()
                        || matches!(c, '_' | '.' | '*' | '%' | '|' | '-' | '/' | '+' | ':') =>
                {
                    word.push(c);
                    chars.next();
                }
                Some(_) => return None,
            }
        }
        out.push(word);
    }
    (!out.is_empty()).then_some(out)
}
