//! Table DDL beyond what DataFusion plans: Unity Catalog's informational PRIMARY KEY and
//! FOREIGN KEY constraints in CREATE TABLE (kept in `table_meta`, never enforced), identity
//! columns and column defaults (noted in `table_meta` for INSERT and information_schema), and
//! ALTER TABLE ... ADD COLUMN(S) / DROP COLUMN(S) / RENAME COLUMN / RENAME TO / ADD CONSTRAINT /
//! DROP PRIMARY KEY / DROP CONSTRAINT on the warehouse's own tables.

use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    AlterTable, AlterTableOperation, ColumnOption, ColumnOptionDef, CreateTable,
    ForeignKeyConstraint, Ident, ObjectName, ObjectType, RenameTableNameKind, Statement,
    TableConstraint,
};

use crate::sessions::SessionView;
use crate::sql::engine::{Effect, Engine, Executed};
use crate::sql::identity;
use crate::sql::sql_errors::SqlError;
use crate::table_meta::{ForeignKey, PrimaryKey, TableKey, TableMeta};
use crate::user_tables::{self, ident, resolve};

/// What to record once DataFusion has run a statement successfully.
#[derive(Debug, Default)]
pub enum After {
    #[default]
    Nothing,
    Created {
        key: TableKey,
        meta: Box<TableMeta>,
        /// `IF NOT EXISTS` on a table that exists: nothing changes.
        kept: bool,
    },
    Dropped(Vec<TableKey>),
}

impl After {
    pub async fn apply(self, engine: &Engine) -> Result<(), SqlError> {
        match self {
            After::Nothing | After::Created { kept: true, .. } => {}
            After::Created { key, meta, .. } => {
                engine.meta.set(key.clone(), *meta);
                // One partition, so INSERTs append in order and a scan returns the rows in
                // the order they were written (DataFusion spreads a new table over several).
                if let Ok(t) = user_tables::load(engine, &key, "CREATE TABLE").await {
                    t.replace(&key.table, &key.table, t.schema.clone(), t.batches.clone())
                        .await?;
                }
            }
            After::Dropped(keys) => keys.iter().for_each(|k| engine.meta.remove(k)),
        }
        Ok(())
    }
}

/// Takes the constraints out of a CREATE TABLE (DataFusion rejects foreign keys and would
/// treat a primary key as its own) and notes what to record; notes dropped tables.
pub async fn prepare(
    engine: &Engine,
    session: &SessionView,
    statement: &mut DfStatement,
) -> Result<After, SqlError> {
    let DfStatement::Statement(stmt) = statement else {
        return Ok(After::Nothing);
    };
    match stmt.as_mut() {
        Statement::CreateTable(create) => {
            let key = resolve(&create.name, session)?;
            let kept = create.if_not_exists && user_tables::exists(engine, &key).await;
            let meta = take_constraints(engine, session, &key, create).await?;
            Ok(After::Created {
                key,
                meta: Box::new(meta),
                kept,
            })
        }
        Statement::Drop {
            object_type: ObjectType::Table | ObjectType::View,
            names,
            if_exists,
            ..
        } => {
            let keys = names
                .iter()
                .map(|n| resolve(n, session))
                .collect::<Result<Vec<_>, _>>()?;
            for key in keys.iter().filter(|_| !*if_exists) {
                if !user_tables::exists(engine, key).await {
                    return Err(user_tables::not_found(key));
                }
            }
            Ok(After::Dropped(keys))
        }
        _ => Ok(After::Nothing),
    }
}

async fn take_constraints(
    engine: &Engine,
    session: &SessionView,
    key: &TableKey,
    create: &mut CreateTable,
) -> Result<TableMeta, SqlError> {
    let mut meta = TableMeta::default();
    let mut pk: Option<(Option<Ident>, Vec<String>)> = None;
    let mut fks: Vec<ForeignKeyConstraint> = Vec::new();
    for col in &mut create.columns {
        let name = ident(&col.name);
        let mut kept = Vec::with_capacity(col.options.len());
        for mut opt in col.options.drain(..) {
            if let Some((identity, call)) = identity::declared(&name, &col.data_type, &opt.option)?
            {
                if meta.identity.is_some() {
                    return Err(SqlError::new(
                        "DELTA_IDENTITY_COLUMNS_MULTIPLE",
                        "42P16",
                        "A table can have only one IDENTITY column.",
                    ));
                }
                meta.identity = Some(identity);
                // DataFusion fills the column like any column with a default.
                opt.option = ColumnOption::Default(call);
            }
            if let ColumnOption::Default(e) = &opt.option {
                meta.defaults.push((name.clone(), e.clone()));
            }
            match opt.option {
                ColumnOption::PrimaryKey(p) => pk = Some((p.name.or(opt.name), vec![name.clone()])),
                ColumnOption::ForeignKey(mut f) => {
                    f.columns = vec![col.name.clone()];
                    f.name = f.name.or(opt.name);
                    fks.push(f);
                }
                _ => kept.push(opt),
            }
        }
        col.options = kept;
    }
    let mut kept = Vec::new();
    for c in create.constraints.drain(..) {
        match c {
            TableConstraint::PrimaryKey(p) => {
                let cols = p
                    .columns
                    .iter()
                    .map(|c| c.column.expr.to_string())
                    .collect();
                pk = Some((p.name, cols));
            }
            TableConstraint::ForeignKey(f) => fks.push(f),
            other => kept.push(other),
        }
    }
    create.constraints = kept;
    if let Some((name, cols)) = pk {
        let cols: Vec<String> = cols.into_iter().map(|c| unquote(&c)).collect();
        // Unity Catalog primary key columns are NOT NULL.
        for col in &mut create.columns {
            if cols.contains(&ident(&col.name))
                && !col
                    .options
                    .iter()
                    .any(|o| o.option == ColumnOption::NotNull)
            {
                col.options.push(ColumnOptionDef {
                    name: None,
                    option: ColumnOption::NotNull,
                });
            }
        }
        meta.primary_key = Some(PrimaryKey {
            name: name
                .map(|n| ident(&n))
                .unwrap_or_else(|| format!("{}_pk", key.table)),
            columns: cols,
        });
    }
    for (i, f) in fks.into_iter().enumerate() {
        meta.foreign_keys
            .push(foreign_key(engine, session, key, &f, i).await?);
    }
    Ok(meta)
}

fn unquote(s: &str) -> String {
    match s.strip_prefix('`').and_then(|s| s.strip_suffix('`')) {
        Some(inner) => inner.to_string(),
        None => s.to_lowercase(),
    }
}

async fn foreign_key(
    engine: &Engine,
    session: &SessionView,
    key: &TableKey,
    f: &ForeignKeyConstraint,
    index: usize,
) -> Result<ForeignKey, SqlError> {
    let parent = resolve(&f.foreign_table, session)?;
    let parent_pk = if &parent == key {
        None
    } else {
        if !user_tables::exists(engine, &parent).await {
            return Err(user_tables::not_found(&parent));
        }
        engine.meta.get(&parent).and_then(|m| m.primary_key)
    };
    let mut parent_columns: Vec<String> = f.referred_columns.iter().map(ident).collect();
    if parent_columns.is_empty() {
        parent_columns = parent_pk.map(|p| p.columns).unwrap_or_default();
    }
    let columns: Vec<String> = f.columns.iter().map(ident).collect();
    if parent_columns.len() != columns.len() {
        return Err(SqlError::new(
            "FOREIGN_KEY_MISMATCH",
            "42830",
            format!(
                "The foreign key of `{}` names {} column(s) but the referenced key of `{}` has {}.",
                key.table,
                columns.len(),
                parent.table,
                parent_columns.len()
            ),
        ));
    }
    let name = f.name.as_ref().map(ident).unwrap_or_else(|| {
        let suffix = if index == 0 {
            String::new()
        } else {
            format!("_{index}")
        };
        format!("{}_{}_fk{suffix}", key.table, parent.table)
    });
    Ok(ForeignKey {
        name,
        columns,
        parent,
        parent_columns,
    })
}

/// ALTER TABLE on a table created in this warehouse.
pub async fn alter(
    engine: &Engine,
    session: &SessionView,
    alter: &AlterTable,
) -> Result<Executed, SqlError> {
    let key = resolve(&alter.name, session)?;
    if alter.if_exists && !user_tables::exists(engine, &key).await {
        return Ok(Executed::no_result(Effect::None));
    }
    for op in &alter.operations {
        apply(engine, session, &key, op).await?;
    }
    Ok(Executed::no_result(Effect::None))
}

async fn apply(
    engine: &Engine,
    session: &SessionView,
    key: &TableKey,
    op: &AlterTableOperation,
) -> Result<(), SqlError> {
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            ..
        } => {
            let t = user_tables::load(engine, key, "ALTER TABLE").await?;
            let name = ident(&column_def.name);
            if t.schema.field_with_name(&name).is_ok() {
                if *if_not_exists {
                    return Ok(());
                }
                return Err(SqlError::new(
                    "FIELDS_ALREADY_EXISTS",
                    "42710",
                    format!(
                        "Cannot add column, because `{name}` already exists in `{}`.",
                        key.table
                    ),
                ));
            }
            let probe = format!("SELECT CAST(NULL AS {}) AS c", column_def.data_type);
            let dt = engine
                .plan_schema(session, &probe)
                .await?
                .field(0)
                .data_type()
                .clone();
            let mut fields: Vec<Field> = t
                .schema
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fields.push(Field::new(&name, dt.clone(), true));
            let schema = Arc::new(Schema::new_with_metadata(
                fields,
                t.schema.metadata().clone(),
            ));
            let batches = t
                .batches
                .iter()
                .map(|b| {
                    let mut cols: Vec<ArrayRef> = b.columns().to_vec();
                    cols.push(new_null_array(&dt, b.num_rows()));
                    RecordBatch::try_new(schema.clone(), cols)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| SqlError::new("INTERNAL_ERROR", "XX000", e.to_string()))?;
            t.replace(&key.table, &key.table, schema, batches).await
        }
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            ..
        } => {
            let t = user_tables::load(engine, key, "ALTER TABLE").await?;
            let names: Vec<String> = column_names.iter().map(ident).collect();
            for n in &names {
                if t.schema.field_with_name(n).is_err() && !if_exists {
                    return Err(unresolved_column(n, key));
                }
            }
            let keep: Vec<usize> = (0..t.schema.fields().len())
                .filter(|i| !names.contains(t.schema.field(*i).name()))
                .collect();
            if keep.is_empty() {
                return Err(SqlError::new(
                    "DELTA_DROP_COLUMN_ON_SINGLE_FIELD_SCHEMA",
                    "0AKDC",
                    "Cannot drop column from a schema with a single column.",
                ));
            }
            let schema = Arc::new(t.schema.project(&keep).map_err(arrow_err)?);
            let batches = t
                .batches
                .iter()
                .map(|b| b.project(&keep))
                .collect::<Result<Vec<_>, _>>()
                .map_err(arrow_err)?;
            t.replace(&key.table, &key.table, schema, batches).await
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            let t = user_tables::load(engine, key, "ALTER TABLE").await?;
            let (old, new) = (ident(old_column_name), ident(new_column_name));
            if t.schema.field_with_name(&old).is_err() {
                return Err(unresolved_column(&old, key));
            }
            let fields: Vec<Field> = t
                .schema
                .fields()
                .iter()
                .map(|f| {
                    let f = f.as_ref().clone();
                    if f.name() == &old {
                        f.with_name(&new)
                    } else {
                        f
                    }
                })
                .collect();
            let schema = Arc::new(Schema::new_with_metadata(
                fields,
                t.schema.metadata().clone(),
            ));
            let batches = t
                .batches
                .iter()
                .map(|b| RecordBatch::try_new(schema.clone(), b.columns().to_vec()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(arrow_err)?;
            t.replace(&key.table, &key.table, schema, batches).await
        }
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::To(to) | RenameTableNameKind::As(to)) = table_name;
            rename(engine, session, key, to).await
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            if !user_tables::exists(engine, key).await {
                return Err(user_tables::not_found(key));
            }
            let mut meta = engine.meta.get(key).unwrap_or_default();
            match constraint {
                TableConstraint::PrimaryKey(p) => {
                    if meta.primary_key.is_some() {
                        return Err(SqlError::new(
                            "DELTA_CONSTRAINT_ALREADY_EXISTS",
                            "42710",
                            format!("Table `{}` already has a primary key.", key.table),
                        ));
                    }
                    meta.primary_key = Some(PrimaryKey {
                        name: p
                            .name
                            .as_ref()
                            .map(ident)
                            .unwrap_or_else(|| format!("{}_pk", key.table)),
                        columns: p
                            .columns
                            .iter()
                            .map(|c| unquote(&c.column.expr.to_string()))
                            .collect(),
                    });
                }
                TableConstraint::ForeignKey(f) => {
                    let n = meta.foreign_keys.len();
                    meta.foreign_keys
                        .push(foreign_key(engine, session, key, f, n).await?);
                }
                // CHECK and UNIQUE constraints are accepted and not recorded.
                _ => {}
            }
            engine.meta.set(key.clone(), meta);
            Ok(())
        }
        AlterTableOperation::DropPrimaryKey { .. } => {
            if let Some(mut meta) = engine.meta.get(key) {
                meta.primary_key = None;
                engine.meta.set(key.clone(), meta);
            }
            Ok(())
        }
        AlterTableOperation::DropConstraint {
            name, if_exists, ..
        } => {
            let name = ident(name);
            let mut meta = engine.meta.get(key).unwrap_or_default();
            let before = meta.foreign_keys.len() + usize::from(meta.primary_key.is_some());
            meta.foreign_keys.retain(|f| f.name != name);
            if meta.primary_key.as_ref().is_some_and(|p| p.name == name) {
                meta.primary_key = None;
            }
            let after = meta.foreign_keys.len() + usize::from(meta.primary_key.is_some());
            if before == after && !if_exists {
                return Err(SqlError::new(
                    "DELTA_CONSTRAINT_DOES_NOT_EXIST",
                    "42704",
                    format!(
                        "Cannot drop nonexistent constraint {name} from table `{}`.",
                        key.table
                    ),
                ));
            }
            engine.meta.set(key.clone(), meta);
            Ok(())
        }
        other => Err(SqlError::new(
            "UNSUPPORTED_FEATURE",
            "0A000",
            format!("ALTER TABLE ... {other} is not supported by the local warehouse."),
        )),
    }
}

async fn rename(
    engine: &Engine,
    session: &SessionView,
    key: &TableKey,
    to: &ObjectName,
) -> Result<(), SqlError> {
    let mut target = resolve(to, session)?;
    // A one-part new name stays in the table's own schema, as on Databricks.
    if to.0.len() == 1 {
        target.catalog = key.catalog.clone();
        target.schema = key.schema.clone();
    }
    let df = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, "");
    let from_schema =
        user_tables::schema_provider(engine, key).ok_or_else(|| user_tables::not_found(key))?;
    let table = match from_schema.table(&key.table).await {
        Ok(Some(t)) => t,
        _ => return Err(user_tables::not_found(key)),
    };
    if user_tables::exists(engine, &target).await {
        return Err(SqlError::new(
            "TABLE_OR_VIEW_ALREADY_EXISTS",
            "42P07",
            format!(
                "Cannot create table or view `{}`.`{}`.`{}` because it already exists.",
                target.catalog, target.schema, target.table
            ),
        ));
    }
    if target.catalog != key.catalog {
        return Err(SqlError::new(
            "UNSUPPORTED_FEATURE",
            "0A000",
            "A table cannot be renamed into another catalog.",
        ));
    }
    let to_schema = user_tables::schema_provider(engine, &target).ok_or_else(|| {
        SqlError::new(
            "SCHEMA_NOT_FOUND",
            "42704",
            format!(
                "The schema `{}`.`{}` cannot be found.",
                target.catalog, target.schema
            ),
        )
    })?;
    to_schema
        .register_table(target.table.clone(), table)
        .map_err(df)?;
    from_schema.deregister_table(&key.table).map_err(df)?;
    engine.meta.rename(key, target);
    Ok(())
}

fn unresolved_column(name: &str, key: &TableKey) -> SqlError {
    SqlError::new(
        "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
        "42703",
        format!(
            "A column or field with name `{name}` cannot be resolved in table `{}`.",
            key.table
        ),
    )
}

fn arrow_err(e: arrow_schema::ArrowError) -> SqlError {
    SqlError::new("INTERNAL_ERROR", "XX000", e.to_string())
}

/// Databricks' `ADD COLUMNS (a INT, b STRING)`, which the parser does not know, as the
/// equivalent `ADD COLUMN a INT, ADD COLUMN b STRING`; `None` when `sql` has no such clause.
pub fn split_add_columns(sql: &str) -> Option<String> {
    use datafusion::sql::sqlparser::dialect::DatabricksDialect;
    use datafusion::sql::sqlparser::keywords::Keyword;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

    let tokens = Tokenizer::new(&DatabricksDialect, sql).tokenize().ok()?;
    let is_word = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    let solid: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i], Token::Whitespace(_)))
        .collect();
    if !solid
        .first()
        .is_some_and(|&i| is_word(&tokens[i], Keyword::ALTER))
    {
        return None;
    }
    let at = solid.windows(3).find(|w| {
        is_word(&tokens[w[0]], Keyword::ADD)
            && is_word(&tokens[w[1]], Keyword::COLUMNS)
            && tokens[w[2]] == Token::LParen
    })?;
    let (add, open) = (at[0], at[2]);
    let mut depth = 0;
    let mut close = None;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let text =
        |r: std::ops::Range<usize>| tokens[r].iter().map(|t| t.to_string()).collect::<String>();
    let mut defs = Vec::new();
    let (mut start, mut depth) = (open + 1, 0);
    for (i, token) in tokens.iter().enumerate().take(close).skip(open + 1) {
        match token {
            Token::LParen | Token::Lt => depth += 1,
            Token::RParen | Token::Gt => depth -= 1,
            Token::Comma if depth == 0 => {
                defs.push(text(start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    defs.push(text(start..close));
    let adds: Vec<String> = defs
        .iter()
        .map(|d| format!("ADD COLUMN {}", d.trim()))
        .collect();
    Some(format!(
        "{}{}{}",
        text(0..add),
        adds.join(", "),
        text(close + 1..tokens.len())
    ))
}
