//! `SHOW KEYS IN CATALOG c IN SCHEMA s IN TABLE t`, `SHOW FOREIGN KEYS IN ...` and
//! `SHOW FUNCTIONS IN CATALOG c [SCHEMA LIKE p] [LIKE p]`: what JDBC's getPrimaryKeys,
//! getImportedKeys / getCrossReference and getFunctions send. The result columns carry the
//! names the JDBC driver reads them by (`catalogName`, `namespace`, `tableName`, `col_name`,
//! `keySeq`, `constraintName`, `parentCatalogName`, ...).

use super::show::{table_of, Col};
use crate::sql::engine::{Engine, Executed};
use crate::sql::sql_errors::SqlError;
use crate::table_meta::TableKey;
use crate::user_tables;

/// `tokens` start with SHOW; `None` when they are not one of these commands.
pub async fn run(engine: &Engine, tokens: &[String]) -> Option<Result<Executed, SqlError>> {
    let w: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["SHOW", "KEYS", ..] => {
            let key = scope(&tokens[2..])?;
            Some(primary_keys(engine, &key).await)
        }
        ["SHOW", "PRIMARY", "KEYS", ..] => {
            let key = scope(&tokens[3..])?;
            Some(primary_keys(engine, &key).await)
        }
        ["SHOW", "FOREIGN", "KEYS", ..] => {
            let key = scope(&tokens[3..])?;
            Some(foreign_keys(engine, &key).await)
        }
        ["SHOW", "FUNCTIONS", "IN", "CATALOG", ..] => functions(engine, &tokens[4..]),
        _ => None,
    }
}

/// `IN CATALOG c IN SCHEMA s IN TABLE t` (FROM may stand for IN).
fn scope(t: &[String]) -> Option<TableKey> {
    let kw = |i: usize, k: &str| t.get(i).is_some_and(|w| w.eq_ignore_ascii_case(k));
    let prep = |i: usize| kw(i, "IN") || kw(i, "FROM");
    if t.len() == 9
        && prep(0)
        && kw(1, "CATALOG")
        && prep(3)
        && kw(4, "SCHEMA")
        && prep(6)
        && kw(7, "TABLE")
    {
        return Some(TableKey::new(&t[2], &t[5], &t[8]));
    }
    None
}

async fn primary_keys(engine: &Engine, key: &TableKey) -> Result<Executed, SqlError> {
    if !user_tables::exists(engine, key).await {
        return Err(user_tables::not_found(key));
    }
    let pk = engine.meta.get(key).and_then(|m| m.primary_key);
    let (cols, name) = pk.map(|p| (p.columns, p.name)).unwrap_or_default();
    let n = cols.len();
    let same = |v: &str| vec![Some(v.to_string()); n];
    Ok(table_of(vec![
        Col::Str("catalogName", false, same(&key.catalog)),
        Col::Str("namespace", false, same(&key.schema)),
        Col::Str("tableName", false, same(&key.table)),
        Col::Str("col_name", false, cols.into_iter().map(Some).collect()),
        Col::Int("keySeq", (1..=n as i32).map(Some).collect()),
        Col::Str("constraintName", false, same(&name)),
    ]))
}

async fn foreign_keys(engine: &Engine, key: &TableKey) -> Result<Executed, SqlError> {
    if !user_tables::exists(engine, key).await {
        return Err(user_tables::not_found(key));
    }
    let fks = engine
        .meta
        .get(key)
        .map(|m| m.foreign_keys)
        .unwrap_or_default();
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut seq = Vec::new();
    let mut parents = Vec::new();
    for fk in &fks {
        for (i, (col, pcol)) in fk.columns.iter().zip(&fk.parent_columns).enumerate() {
            rows.push([
                col.clone(),
                fk.name.clone(),
                fk.parent.catalog.clone(),
                fk.parent.schema.clone(),
                fk.parent.table.clone(),
            ]);
            seq.push(Some(i as i32 + 1));
            parents.push(Some(pcol.clone()));
        }
    }
    let n = rows.len();
    let same = |v: &str| vec![Some(v.to_string()); n];
    let nth = |i: usize| rows.iter().map(|r| Some(r[i].clone())).collect::<Vec<_>>();
    Ok(table_of(vec![
        Col::Str("catalogName", false, same(&key.catalog)),
        Col::Str("namespace", false, same(&key.schema)),
        Col::Str("tableName", false, same(&key.table)),
        Col::Str("col_name", false, nth(0)),
        Col::Int("keySeq", seq),
        Col::Str("constraintName", false, nth(1)),
        Col::Str("parentCatalogName", false, nth(2)),
        Col::Str("parentNamespace", false, nth(3)),
        Col::Str("parentTableName", false, nth(4)),
        Col::Str("parentColName", false, parents),
    ]))
}

/// User-defined functions of a catalog: the local warehouse has none (built-ins live in no
/// catalog), so the answer is the empty table with the columns JDBC reads.
fn functions(engine: &Engine, rest: &[String]) -> Option<Result<Executed, SqlError>> {
    let catalog = rest.first()?;
    let mut i = 1;
    let kw = |i: usize, k: &str| rest.get(i).is_some_and(|w| w.eq_ignore_ascii_case(k));
    if kw(i, "SCHEMA") && kw(i + 1, "LIKE") && rest.len() > i + 2 {
        i += 3;
    }
    if kw(i, "LIKE") && rest.len() > i + 1 {
        i += 2;
    }
    if i != rest.len() {
        return None;
    }
    if engine.catalog(catalog).is_none() {
        return Some(Err(super::no_such_catalog(catalog)));
    }
    let none = || Vec::<Option<String>>::new();
    Some(Ok(table_of(vec![
        Col::Str("catalogName", false, none()),
        Col::Str("namespace", false, none()),
        Col::Str("functionName", false, none()),
        Col::Str("remarks", true, none()),
        Col::Int("functionType", vec![]),
        Col::Str("specificName", false, none()),
    ])))
}
