//! `MERGE INTO target USING source ON ... WHEN [NOT] MATCHED [BY SOURCE|TARGET] [AND ...] THEN
//! UPDATE SET ... | DELETE | INSERT ...` on the warehouse's own tables, answered with
//! Databricks' counts (`num_affected_rows`, `num_updated_rows`, `num_deleted_rows`,
//! `num_inserted_rows`).
//!
//! DataFusion plans MERGE but its memory tables cannot run it, so the statement becomes one
//! query: the target's rows, numbered, FULL JOINed with the source on the merge condition,
//! each joined row tagged with the first clause that applies to it and carrying the values
//! that clause gives every target column. The new version of the table is then assembled
//! from that: each target row unchanged, updated or deleted, in its original order, then
//! the inserted rows.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch};
use arrow_cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType, Field, Schema};
use datafusion::arrow::compute::{concat_batches, interleave};
use datafusion::catalog::{
    CatalogProvider, CatalogProviderList, MemoryCatalogProvider, MemorySchemaProvider,
    SchemaProvider,
};
use datafusion::datasource::MemTable;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    AssignmentTarget, Ident, Merge, MergeAction, MergeClauseKind, MergeInsertKind, TableFactor,
};

use crate::sessions::SessionView;
use crate::sql::engine::{bind_params, Effect, Engine, Executed};
use crate::sql::params::Params;
use crate::sql::sql_errors::SqlError;
use crate::sql::{dialect, insert_defaults, spark_parser};
use crate::user_tables::{self, ident, resolve};

const RID: &str = "__sluice_rid";
const SRC: &str = "__sluice_src";
const ACT: &str = "__sluice_act";
const SCRATCH: &str = "__sluice_merge";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Update,
    Delete,
    Insert,
}

/// Runs `merge`, whose markers `dialect::number_markers` has numbered (`markers` are the
/// names of its `:name` markers): the query text built here repeats the clause expressions in
/// every column, which only `$n` markers survive.
pub async fn run(
    engine: &Engine,
    session: &SessionView,
    merge: &Merge,
    sql: &str,
    params: &Params,
    markers: &[String],
) -> Result<Executed, SqlError> {
    let df_err = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, sql);
    let (target_name, target_alias) = match &merge.table {
        TableFactor::Table { name, alias, .. } => (name, alias.as_ref().map(|a| a.name.clone())),
        _ => return Err(unsupported("MERGE INTO needs a table as its target.")),
    };
    let key = resolve(target_name, session)?;
    let table = user_tables::load(engine, &key, "MERGE").await?;
    let talias = target_alias.unwrap_or_else(|| {
        target_name
            .0
            .last()
            .and_then(|p| p.as_ident().cloned())
            .unwrap_or_else(|| Ident::new(&key.table))
    });
    let salias = match &merge.source {
        TableFactor::Table { name, alias, .. } => match alias {
            Some(a) => a.name.clone(),
            None => name
                .0
                .last()
                .and_then(|p| p.as_ident().cloned())
                .ok_or_else(|| unsupported("MERGE needs a named source."))?,
        },
        TableFactor::Derived { alias: Some(a), .. } => a.name.clone(),
        _ => {
            return Err(unsupported(
                "MERGE needs a source table or an aliased subquery.",
            ))
        }
    };

    // The target's rows, numbered, in a scratch catalog only this statement sees.
    let target = concat_batches(&table.schema, &table.batches).map_err(|e| df_err(e.into()))?;
    let rows = target.num_rows();
    let mut fields: Vec<Field> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new(RID, DataType::Int64, false));
    let numbered_schema = Arc::new(Schema::new(fields));
    let mut cols = target.columns().to_vec();
    cols.push(Arc::new(Int64Array::from_iter_values(0..rows as i64)));
    let numbered =
        RecordBatch::try_new(numbered_schema.clone(), cols).map_err(|e| df_err(e.into()))?;
    let scratch = MemorySchemaProvider::new();
    scratch
        .register_table(
            "numbered".to_string(),
            Arc::new(MemTable::try_new(numbered_schema, vec![vec![numbered]]).map_err(df_err)?),
        )
        .map_err(df_err)?;
    let catalog = MemoryCatalogProvider::new();
    catalog
        .register_schema("s", Arc::new(scratch))
        .map_err(df_err)?;
    let base = engine.context(session).state();
    let state = SessionStateBuilder::new_from_existing(base.clone())
        .with_catalog_list(Arc::new(WithScratch {
            inner: base.catalog_list().clone(),
            scratch: Arc::new(catalog),
        }))
        .build();
    let ctx = SessionContext::new_with_state(state);

    // The clause each joined row takes, and the values it gives each target column.
    let t = talias.to_string();
    let s = salias.to_string();
    let mut act = String::from("CASE");
    let mut outcomes = Vec::new();
    for (k, clause) in merge.clauses.iter().enumerate() {
        let scope = match clause.clause_kind {
            MergeClauseKind::Matched => format!("{t}.{RID} IS NOT NULL AND {s}.{SRC} IS NOT NULL"),
            MergeClauseKind::NotMatched | MergeClauseKind::NotMatchedByTarget => {
                format!("{t}.{RID} IS NULL")
            }
            MergeClauseKind::NotMatchedBySource => format!("{s}.{SRC} IS NULL"),
        };
        let pred = clause
            .predicate
            .as_ref()
            .map(|p| format!(" AND ({p})"))
            .unwrap_or_default();
        act.push_str(&format!(" WHEN {scope}{pred} THEN {}", k + 1));
        outcomes.push(match &clause.action {
            MergeAction::Update(_) => Outcome::Update,
            MergeAction::Delete { .. } => Outcome::Delete,
            MergeAction::Insert(_) => Outcome::Insert,
        });
    }
    act.push_str(" ELSE 0 END");
    let columns: Vec<String> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    // What an INSERT clause puts in the columns it leaves out (or gives DEFAULT): their
    // declared defaults, an identity column's next values.
    let meta = engine.meta.get(&key).unwrap_or_default();
    let defaults: Vec<Option<String>> = columns
        .iter()
        .map(|c| meta.default_of(c).map(|e| e.to_string()))
        .collect();
    if let Some(always) = meta.always_identity() {
        let explicit = merge.clauses.iter().any(|c| match &c.action {
            MergeAction::Insert(ins) => !always_left_default(ins, &columns, &always.column),
            _ => false,
        });
        if explicit {
            return Err(insert_defaults::explicit_identity(&always.column));
        }
    }
    let mut values = Vec::with_capacity(columns.len());
    for (i, col) in columns.iter().enumerate() {
        let quoted = Ident::with_quote('`', col).to_string();
        let mut branches = String::new();
        let from_source = format!("{s}.{quoted}");
        for (k, clause) in merge.clauses.iter().enumerate() {
            let value = match &clause.action {
                MergeAction::Update(u) if u.assignments.iter().any(is_star) => {
                    Some(from_source.clone())
                }
                MergeAction::Insert(ins) if ins.columns.iter().any(|n| n.to_string() == STAR) => {
                    Some(from_source.clone())
                }
                MergeAction::Update(u) => u.assignments.iter().find_map(|a| match &a.target {
                    AssignmentTarget::ColumnName(n) => {
                        n.0.last()
                            .and_then(|p| p.as_ident())
                            .filter(|id| &ident(id) == col)
                            .map(|_| a.value.to_string())
                    }
                    AssignmentTarget::Tuple(_) => None,
                }),
                MergeAction::Insert(ins) => Some(insert_value(ins, &columns, i, &defaults)?),
                MergeAction::Delete { .. } => None,
            };
            if let Some(v) = value {
                branches.push_str(&format!(" WHEN {} THEN {v}", k + 1));
            }
        }
        values.push(if branches.is_empty() {
            format!("{t}.{quoted} AS __sluice_v{i}")
        } else {
            format!("CASE {act}{branches} ELSE {t}.{quoted} END AS __sluice_v{i}")
        });
    }
    // The clause expression repeats in every column; the optimizer computes it once.
    let query = format!(
        "SELECT {act} AS {ACT}, {t}.{RID} AS {RID}, {} \
         FROM (SELECT * FROM {SCRATCH}.s.numbered) AS {t} \
         FULL OUTER JOIN (SELECT *, TRUE AS {SRC} FROM {}) AS {s} ON {}",
        values.join(", "),
        source_text(&merge.source),
        merge.on
    );
    let state = ctx.state();
    let mut statement = spark_parser::parse(&state, &query).map_err(df_err)?;
    dialect::rewrite(&mut statement);
    let plan = state.statement_to_plan(statement).await.map_err(df_err)?;
    let plan = bind_params(plan, params, markers, sql)?;
    let joined = ctx
        .execute_logical_plan(plan)
        .await
        .map_err(df_err)?
        .collect()
        .await
        .map_err(df_err)?;
    let joined_schema = joined
        .first()
        .map(|b| b.schema())
        .ok_or_else(|| unsupported("MERGE produced no result."))?;
    let joined = concat_batches(&joined_schema, &joined).map_err(|e| df_err(e.into()))?;
    assemble(&table, &key.table, &target, &joined, &outcomes, sql).await
}

/// Databricks' `UPDATE SET *` and `INSERT *` (every target column from the source column of
/// the same name), which the parser does not know, as `UPDATE SET __sluice_star = NULL` and
/// `INSERT (__sluice_star) VALUES (NULL)` in a MERGE statement; `None` when there is neither.
pub fn mark_stars(sql: &str) -> Option<String> {
    use datafusion::sql::sqlparser::dialect::DatabricksDialect;
    use datafusion::sql::sqlparser::keywords::Keyword;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&DatabricksDialect, sql).tokenize().ok()?;
    let solid: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i], Token::Whitespace(_)))
        .collect();
    let is_word = |i: usize, k: Keyword| matches!(&tokens[i], Token::Word(w) if w.keyword == k);
    if !solid.first().is_some_and(|&i| is_word(i, Keyword::MERGE)) {
        return None;
    }
    let mut out: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    let mut changed = false;
    for w in solid.windows(3) {
        if is_word(w[0], Keyword::UPDATE)
            && is_word(w[1], Keyword::SET)
            && tokens[w[2]] == Token::Mul
        {
            out[w[2]] = format!("{STAR} = NULL");
            changed = true;
        }
    }
    for w in solid.windows(2) {
        if is_word(w[0], Keyword::INSERT) && tokens[w[1]] == Token::Mul {
            out[w[1]] = format!("({STAR}) VALUES (NULL)");
            changed = true;
        }
    }
    changed.then(|| out.concat())
}

const STAR: &str = "__sluice_star";

fn is_star(a: &datafusion::sql::sqlparser::ast::Assignment) -> bool {
    matches!(&a.target, AssignmentTarget::ColumnName(n) if n.to_string() == STAR)
}

/// Whether an INSERT clause gives `column` nothing or DEFAULT.
fn always_left_default(
    ins: &datafusion::sql::sqlparser::ast::MergeInsertExpr,
    columns: &[String],
    column: &str,
) -> bool {
    let Some(i) = columns.iter().position(|c| c == column) else {
        return true;
    };
    match inserted_expr(ins, columns, i) {
        Some(e) => insert_defaults::is_default_keyword(e),
        None => true,
    }
}

/// The expression an INSERT clause gives the `i`-th target column, if it names it.
fn inserted_expr<'a>(
    ins: &'a datafusion::sql::sqlparser::ast::MergeInsertExpr,
    columns: &[String],
    i: usize,
) -> Option<&'a datafusion::sql::sqlparser::ast::Expr> {
    let MergeInsertKind::Values(v) = &ins.kind else {
        return None;
    };
    let row = &v.rows.first()?.content;
    let position = if ins.columns.is_empty() {
        Some(i)
    } else {
        ins.columns.iter().position(|n| {
            n.0.last()
                .and_then(|p| p.as_ident())
                .is_some_and(|id| ident(id) == columns[i])
        })
    };
    position.and_then(|p| row.get(p))
}

/// The value an INSERT clause gives the `i`-th target column: its default (else NULL) when
/// the clause names other columns or gives DEFAULT.
fn insert_value(
    ins: &datafusion::sql::sqlparser::ast::MergeInsertExpr,
    columns: &[String],
    i: usize,
    defaults: &[Option<String>],
) -> Result<String, SqlError> {
    if !matches!(ins.kind, MergeInsertKind::Values(_)) {
        return Err(unsupported("INSERT ROW is not Databricks SQL."));
    }
    let default = || defaults[i].clone().unwrap_or_else(|| "NULL".to_string());
    Ok(match inserted_expr(ins, columns, i) {
        Some(e) if !insert_defaults::is_default_keyword(e) => e.to_string(),
        _ => default(),
    })
}

fn source_text(source: &TableFactor) -> String {
    match source {
        TableFactor::Table { name, .. } => name.to_string(),
        TableFactor::Derived { subquery, .. } => format!("({subquery})"),
        other => other.to_string(),
    }
}

/// The table's new version and the counts.
async fn assemble(
    table: &user_tables::UserTable,
    name: &str,
    target: &RecordBatch,
    joined: &RecordBatch,
    outcomes: &[Outcome],
    sql: &str,
) -> Result<Executed, SqlError> {
    let arrow = |e: arrow_schema::ArrowError| SqlError::from_datafusion(&e.into(), sql);
    let as_i64 = |a: &ArrayRef| -> Result<Int64Array, SqlError> {
        let c = arrow_cast::cast(a, &DataType::Int64).map_err(arrow)?;
        Ok(c.as_any()
            .downcast_ref::<Int64Array>()
            .expect("cast to Int64")
            .clone())
    };
    let acts = as_i64(joined.column(0))?;
    let rids = as_i64(joined.column(1))?;
    let rows = target.num_rows();
    // For each target row: the joined row whose clause changes it.
    let mut change: Vec<Option<(usize, Outcome)>> = vec![None; rows];
    let mut inserted = Vec::new();
    for r in 0..joined.num_rows() {
        let k = acts.value(r);
        if k == 0 {
            continue;
        }
        let outcome = outcomes[(k - 1) as usize];
        if outcome == Outcome::Insert {
            inserted.push(r);
            continue;
        }
        let rid = rids.value(r) as usize;
        if change[rid].is_some() {
            return Err(SqlError::new(
                "DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE",
                "21506",
                "Cannot perform Merge as multiple source rows matched and attempted to modify the same target row in the Delta table in possibly conflicting ways.",
            ));
        }
        change[rid] = Some((r, outcome));
    }
    // (0, row) picks a target row, (1, row) a joined row.
    let mut picks: Vec<(usize, usize)> = Vec::with_capacity(rows + inserted.len());
    let (mut updated, mut deleted) = (0i64, 0i64);
    for (rid, c) in change.iter().enumerate() {
        match c {
            None => picks.push((0, rid)),
            Some((_, Outcome::Delete)) => deleted += 1,
            Some((r, _)) => {
                updated += 1;
                picks.push((1, *r));
            }
        }
    }
    picks.extend(inserted.iter().map(|r| (1, *r)));
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(target.num_columns());
    for (i, field) in table.schema.fields().iter().enumerate() {
        let new_values =
            cast_with_options(joined.column(i + 2), field.data_type(), &options).map_err(arrow)?;
        let sources: [&dyn Array; 2] = [target.column(i).as_ref(), new_values.as_ref()];
        columns.push(interleave(&sources, &picks).map_err(arrow)?);
    }
    for (field, col) in table.schema.fields().iter().zip(&columns) {
        if !field.is_nullable() && col.null_count() > 0 {
            return Err(SqlError::new(
                "DELTA_NOT_NULL_CONSTRAINT_VIOLATED",
                "23502",
                format!("NOT NULL constraint violated for column: {}.", field.name()),
            ));
        }
    }
    let batch = RecordBatch::try_new(table.schema.clone(), columns).map_err(arrow)?;
    table
        .replace(name, name, table.schema.clone(), vec![batch])
        .await?;
    let inserted = inserted.len() as i64;
    Ok(counts(updated, deleted, inserted))
}

fn counts(updated: i64, deleted: i64, inserted: i64) -> Executed {
    let names = [
        "num_affected_rows",
        "num_updated_rows",
        "num_deleted_rows",
        "num_inserted_rows",
    ];
    let values = [updated + deleted + inserted, updated, deleted, inserted];
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Int64, true))
            .collect::<Vec<_>>(),
    ));
    let cols: Vec<ArrayRef> = values
        .iter()
        .map(|v| Arc::new(Int64Array::from(vec![*v])) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols).expect("four Int64 columns");
    Executed {
        schema,
        batches: vec![batch],
        effect: Effect::None,
    }
}

fn unsupported(m: &str) -> SqlError {
    SqlError::new("UNSUPPORTED_FEATURE", "0A000", m)
}

/// The session's catalogs plus a scratch catalog private to one MERGE.
#[derive(Debug)]
struct WithScratch {
    inner: Arc<dyn CatalogProviderList>,
    scratch: Arc<dyn CatalogProvider>,
}

impl CatalogProviderList for WithScratch {
    fn register_catalog(
        &self,
        name: String,
        catalog: Arc<dyn CatalogProvider>,
    ) -> Option<Arc<dyn CatalogProvider>> {
        self.inner.register_catalog(name, catalog)
    }

    fn catalog_names(&self) -> Vec<String> {
        self.inner.catalog_names()
    }

    fn catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        if name == SCRATCH {
            return Some(self.scratch.clone());
        }
        self.inner.catalog(name)
    }
}
