//! SHOW CATALOGS / SCHEMAS / TABLES / COLUMNS, with the column names,
//! order and nullability of protocol.md §6.2.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::datasource::TableType;

use super::glob;
use super::no_such_catalog;
use crate::sessions::SessionView;
use crate::sql::engine::{Effect, Engine, Executed};
use crate::sql::sql_errors::SqlError;
use crate::sql::types;

/// A typed column under construction.
pub(super) enum Col {
    Str(&'static str, bool, Vec<Option<String>>),
    Bool(&'static str, Vec<bool>),
    Int(&'static str, Vec<Option<i32>>),
}

pub(super) fn table_of(cols: Vec<Col>) -> Executed {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for c in cols {
        match c {
            Col::Str(n, nullable, v) => {
                fields.push(Field::new(n, DataType::Utf8, nullable));
                arrays.push(Arc::new(StringArray::from(v)));
            }
            Col::Bool(n, v) => {
                fields.push(Field::new(n, DataType::Boolean, false));
                arrays.push(Arc::new(BooleanArray::from(v)));
            }
            Col::Int(n, v) => {
                fields.push(Field::new(n, DataType::Int32, true));
                arrays.push(Arc::new(Int32Array::from(v)));
            }
        }
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("columns match schema");
    Executed {
        schema,
        batches: vec![batch],
        effect: Effect::None,
    }
}

/// Parses the words of a SHOW command; `None` leaves the statement to DataFusion.
pub async fn run(
    engine: &Engine,
    session: &SessionView,
    tokens: &[String],
) -> Option<Result<Executed, SqlError>> {
    let mut c = Cursor { t: tokens, i: 1 };
    if c.eat("CATALOGS") {
        let like = c.like();
        return c.done().then(|| Ok(catalogs(engine, like.as_deref())));
    }
    if c.eat("SCHEMAS") || c.eat("DATABASES") {
        let scope = if c.eat("IN") || c.eat("FROM") {
            if c.eat("ALL") {
                c.eat("CATALOGS").then_some(None)?
            } else {
                Some(c.word()?)
            }
        } else {
            Some(session.catalog.clone())
        };
        let like = c.like();
        return c
            .done()
            .then(|| schemas(engine, scope.as_deref(), like.as_deref()));
    }
    if c.eat("TABLES") {
        if c.eat("IN") || c.eat("FROM") {
            let scope = if c.eat("CATALOG") {
                Some(Some(c.word()?))
            } else if c.eat("ALL") {
                c.eat("CATALOGS").then_some(Some(None))?
            } else {
                None
            };
            if let Some(catalog) = scope {
                let schema_like = c.eat_pair("SCHEMA", "LIKE").then(|| c.word()).flatten();
                let like = c.like();
                if !c.done() {
                    return None;
                }
                return Some(
                    tables(
                        engine,
                        catalog.as_deref(),
                        schema_like.as_deref(),
                        like.as_deref(),
                    )
                    .await,
                );
            }
            c.i -= 1;
        }
        let schema = if c.eat("IN") || c.eat("FROM") {
            c.word()?
        } else {
            session.schema.clone()
        };
        let like = c.like();
        return c
            .done()
            .then(|| simple_tables(engine, session, &schema, like.as_deref()));
    }
    if c.eat("COLUMNS") && (c.eat("IN") || c.eat("FROM")) && c.eat("CATALOG") {
        let catalog = c.word()?;
        let schema_like = c.eat_pair("SCHEMA", "LIKE").then(|| c.word()).flatten();
        let table_like = c.eat_pair("TABLE", "LIKE").then(|| c.word()).flatten();
        let like = c.like();
        if !c.done() {
            return None;
        }
        return Some(
            columns(
                engine,
                &catalog,
                schema_like.as_deref(),
                table_like.as_deref(),
                like.as_deref(),
            )
            .await,
        );
    }
    None
}

struct Cursor<'a> {
    t: &'a [String],
    i: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, kw: &str) -> bool {
        let hit = self
            .t
            .get(self.i)
            .is_some_and(|w| w.eq_ignore_ascii_case(kw));
        if hit {
            self.i += 1;
        }
        hit
    }

    fn eat_pair(&mut self, a: &str, b: &str) -> bool {
        let hit = self
            .t
            .get(self.i)
            .is_some_and(|w| w.eq_ignore_ascii_case(a))
            && self
                .t
                .get(self.i + 1)
                .is_some_and(|w| w.eq_ignore_ascii_case(b));
        if hit {
            self.i += 2;
        }
        hit
    }

    fn word(&mut self) -> Option<String> {
        let w = self.t.get(self.i)?.clone();
        self.i += 1;
        Some(w)
    }

    /// `[LIKE] 'pattern'` at the end of a command.
    fn like(&mut self) -> Option<String> {
        if self.eat("LIKE") || self.i + 1 == self.t.len() {
            return self.word();
        }
        None
    }

    fn done(&self) -> bool {
        self.i == self.t.len()
    }
}

fn pick(pattern: Option<&str>, name: &str) -> bool {
    pattern.is_none_or(|p| glob::matches(p, name))
}

fn catalog(engine: &Engine, name: &str) -> Result<Arc<dyn CatalogProvider>, SqlError> {
    engine
        .catalog(name)
        .or_else(|| engine.catalog(&name.to_lowercase()))
        .ok_or_else(|| no_such_catalog(name))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn catalogs(engine: &Engine, like: Option<&str>) -> Executed {
    let names: Vec<Option<String>> = engine
        .catalog_names()
        .into_iter()
        .filter(|n| pick(like, n))
        .map(Some)
        .collect();
    table_of(vec![Col::Str("catalog", false, names)])
}

fn schemas(engine: &Engine, scope: Option<&str>, like: Option<&str>) -> Result<Executed, SqlError> {
    let cats = match scope {
        Some(c) => vec![(c.to_string(), catalog(engine, c)?)],
        None => engine
            .catalog_names()
            .into_iter()
            .filter_map(|n| engine.catalog(&n).map(|c| (n, c)))
            .collect(),
    };
    let mut names = Vec::new();
    let mut owners = Vec::new();
    for (cat_name, cat) in cats {
        for s in sorted(cat.schema_names()) {
            if pick(like, &s) {
                names.push(Some(s));
                owners.push(Some(cat_name.clone()));
            }
        }
    }
    let mut cols = vec![Col::Str("databaseName", false, names)];
    if scope.is_none() {
        cols.push(Col::Str("catalog", false, owners));
    }
    Ok(table_of(cols))
}

/// (catalog name, schema name, schema).
type NamedSchema = (String, String, Arc<dyn SchemaProvider>);

/// The schemas selected by a catalog and a schema pattern.
fn schemas_in(
    engine: &Engine,
    catalog_name: Option<&str>,
    schema_like: Option<&str>,
) -> Result<Vec<NamedSchema>, SqlError> {
    let cats = match catalog_name {
        Some(c) => vec![(c.to_string(), catalog(engine, c)?)],
        None => engine
            .catalog_names()
            .into_iter()
            .filter_map(|n| engine.catalog(&n).map(|c| (n, c)))
            .collect(),
    };
    let mut out = Vec::new();
    for (cn, cat) in cats {
        for sn in sorted(cat.schema_names()) {
            if pick(schema_like, &sn) {
                if let Some(s) = cat.schema(&sn) {
                    out.push((cn.clone(), sn, s));
                }
            }
        }
    }
    Ok(out)
}

async fn tables(
    engine: &Engine,
    catalog_name: Option<&str>,
    schema_like: Option<&str>,
    like: Option<&str>,
) -> Result<Executed, SqlError> {
    let (mut ns, mut tn, mut tmp, mut info, mut cat, mut ty, mut rem) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for (cn, sn, schema) in schemas_in(engine, catalog_name, schema_like)? {
        for t in sorted(schema.table_names()) {
            if !pick(like, &t) {
                continue;
            }
            let kind = match schema.table_type(&t).await {
                Ok(Some(TableType::View)) => "VIEW",
                Ok(Some(TableType::Temporary)) => "LOCAL TEMPORARY",
                _ => "TABLE",
            };
            ns.push(Some(sn.clone()));
            tn.push(Some(t));
            tmp.push(false);
            info.push(Some(String::new()));
            cat.push(Some(cn.clone()));
            ty.push(Some(kind.to_string()));
            rem.push(Some(String::new()));
        }
    }
    Ok(table_of(vec![
        Col::Str("namespace", false, ns),
        Col::Str("tableName", false, tn),
        Col::Bool("isTemporary", tmp),
        Col::Str("information", true, info),
        Col::Str("catalogName", false, cat),
        Col::Str("tableType", false, ty),
        Col::Str("remarks", true, rem),
    ]))
}

/// Spark's plain `SHOW TABLES [IN schema] [LIKE p]`.
fn simple_tables(
    engine: &Engine,
    session: &SessionView,
    schema: &str,
    like: Option<&str>,
) -> Result<Executed, SqlError> {
    let (cat_name, schema_name) = match schema.split_once('.') {
        Some((c, s)) => (c.to_string(), s.to_string()),
        None => (session.catalog.clone(), schema.to_string()),
    };
    let cat = catalog(engine, &cat_name)?;
    let s = cat.schema(&schema_name).ok_or_else(|| {
        SqlError::new(
            "SCHEMA_NOT_FOUND",
            "42704",
            format!("The schema `{cat_name}`.`{schema_name}` cannot be found."),
        )
    })?;
    let names: Vec<String> = sorted(s.table_names())
        .into_iter()
        .filter(|t| pick(like, t))
        .collect();
    Ok(table_of(vec![
        Col::Str(
            "database",
            false,
            names.iter().map(|_| Some(schema_name.clone())).collect(),
        ),
        Col::Str(
            "tableName",
            false,
            names.iter().cloned().map(Some).collect(),
        ),
        Col::Bool("isTemporary", vec![false; names.len()]),
    ]))
}

async fn columns(
    engine: &Engine,
    catalog_name: &str,
    schema_like: Option<&str>,
    table_like: Option<&str>,
    like: Option<&str>,
) -> Result<Executed, SqlError> {
    let mut rows: Vec<ColumnRow> = Vec::new();
    for (cn, sn, schema) in schemas_in(engine, Some(catalog_name), schema_like)? {
        for t in sorted(schema.table_names()) {
            if !pick(table_like, &t) {
                continue;
            }
            let Ok(Some(table)) = schema.table(&t).await else {
                continue;
            };
            for (pos, f) in table.schema().fields().iter().enumerate() {
                if pick(like, f.name()) {
                    rows.push(ColumnRow::new(&cn, &sn, &t, pos, f));
                }
            }
        }
    }
    let s = |f: fn(&ColumnRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let i = |f: fn(&ColumnRow) -> Option<i32>| rows.iter().map(f).collect::<Vec<_>>();
    Ok(table_of(vec![
        Col::Str("col_name", false, s(|r| Some(r.col.clone()))),
        Col::Str("catalogName", true, s(|r| Some(r.catalog.clone()))),
        Col::Str("namespace", false, s(|r| Some(r.schema.clone()))),
        Col::Str("tableName", false, s(|r| Some(r.table.clone()))),
        Col::Str("columnType", false, s(|r| Some(r.type_text.clone()))),
        Col::Int("columnSize", i(|r| r.size)),
        Col::Int("decimalDigits", i(|r| r.digits)),
        Col::Int("radix", i(|r| r.radix)),
        Col::Str("isNullable", true, s(|r| Some(r.nullable.to_string()))),
        Col::Str("remarks", true, s(|_| Some(String::new()))),
        Col::Int("ordinalPosition", i(|r| Some(r.position))),
        Col::Str("isAutoIncrement", true, s(|_| Some("NO".to_string()))),
        Col::Str("isGenerated", true, s(|_| Some("NO".to_string()))),
    ]))
}

struct ColumnRow {
    col: String,
    catalog: String,
    schema: String,
    table: String,
    type_text: String,
    size: Option<i32>,
    digits: Option<i32>,
    radix: Option<i32>,
    nullable: bool,
    position: i32,
}

impl ColumnRow {
    fn new(catalog: &str, schema: &str, table: &str, pos: usize, f: &Field) -> Self {
        let dt = types::canonical_type(f.data_type());
        let (size, digits, radix) = match &dt {
            DataType::Int8 => (Some(3), Some(0), Some(10)),
            DataType::Int16 => (Some(5), Some(0), Some(10)),
            DataType::Int32 => (Some(10), Some(0), Some(10)),
            DataType::Int64 => (Some(19), Some(0), Some(10)),
            DataType::Float32 => (Some(7), Some(7), Some(10)),
            DataType::Float64 => (Some(15), Some(15), Some(10)),
            DataType::Decimal128(p, s) => (Some(*p as i32), Some(*s as i32), Some(10)),
            DataType::Boolean => (Some(1), None, None),
            DataType::Date32 => (Some(10), None, None),
            DataType::Timestamp(..) => (Some(29), Some(6), None),
            DataType::Utf8 | DataType::Binary => (Some(i32::MAX), None, None),
            _ => (None, None, None),
        };
        ColumnRow {
            col: f.name().clone(),
            catalog: catalog.to_string(),
            schema: schema.to_string(),
            table: table.to_string(),
            type_text: types::type_text(&dt),
            size,
            digits,
            radix,
            nullable: f.is_nullable(),
            position: pos as i32,
        }
    }
}
