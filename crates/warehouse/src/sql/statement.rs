//! One statement, start to end: parsed as Spark SQL (with the token-level rewrites of syntax
//! the parser lacks), MERGE and ALTER TABLE handed to their own modules, DDL and INSERT
//! defaults prepared, planned and bound by the engine, then run (DML through a staged
//! commit). The engine knows none of these steps.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use datafusion::common::DFSchema;
use datafusion::logical_expr::{DdlStatement, EmptyRelation, LogicalPlan, WriteOp};
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;

use crate::sessions::SessionView;
use crate::sql::engine::{bind_params, Effect, Engine, Executed};
use crate::sql::params::Params;
use crate::sql::sql_errors::SqlError;
use crate::sql::{
    ddl, dialect, identity, insert_defaults, merge, output_names, spark_literals, spark_parser,
    staged_dml,
};

pub async fn run(
    engine: &Engine,
    session: &SessionView,
    sql: &str,
    params: &Params,
) -> Result<Executed, SqlError> {
    let df_err = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, sql);
    let ctx = engine.context(session);
    let state = ctx.state();
    let mut column_types = Vec::new();
    let mut statement = match spark_parser::parse(&state, sql) {
        Ok(s) => s,
        // Spark-only CREATE TABLE syntax, rewritten at the token level and parsed again.
        Err(e) => {
            let (text, types) = dialect::without_interval_qualifiers(sql)
                .unwrap_or_else(|| (sql.to_string(), Vec::new()));
            let text = dialect::without_using_format(&text).unwrap_or(text);
            let text = ddl::split_add_columns(&text).unwrap_or(text);
            let text = merge::mark_stars(&text).unwrap_or(text);
            let text = identity::options_in_parser_order(&text).unwrap_or(text);
            column_types = types;
            spark_parser::parse(&state, &text).map_err(|_| df_err(e))?
        }
    };
    if let datafusion::sql::parser::Statement::Statement(stmt) = &mut statement {
        let numbered = match stmt.as_ref() {
            SqlStatement::Merge(_) => dialect::number_markers(stmt.as_mut()),
            _ => Vec::new(),
        };
        match stmt.as_ref() {
            SqlStatement::Merge(m) => {
                return merge::run(engine, session, m, sql, params, &numbered).await
            }
            SqlStatement::AlterTable(a) => return ddl::alter(engine, session, a).await,
            _ => {}
        }
    }
    let after = ddl::prepare(engine, session, &mut statement).await?;
    insert_defaults::prepare(engine, session, &mut statement).await?;
    spark_literals::suffixes(&mut statement);
    let names = output_names::take(&mut statement);
    dialect::rewrite(&mut statement);
    let numbered = dialect::number_named_markers(&mut statement);
    let mut plan = state.statement_to_plan(statement).await.map_err(df_err)?;
    plan = with_column_types(plan, &column_types).map_err(df_err)?;
    plan = spark_literals::narrow_integers(plan).map_err(df_err)?;
    plan = bind_params(plan, params, &numbered, sql)?;
    let dml = match &plan {
        LogicalPlan::Dml(d) => Some(matches!(d.op, WriteOp::Insert(_))),
        _ => None,
    };
    if let Some(insert) = dml {
        let batches = staged_dml::execute(&ctx, plan, sql).await?;
        return Ok(dml_counts(&batches, insert));
    }
    let df = ctx.execute_logical_plan(plan).await.map_err(df_err)?;
    let planned = df.schema().inner().clone();
    let batches = df.collect().await.map_err(df_err)?;
    after.apply(engine).await?;
    // The batches' own schema wins: it can be more precise than the plan's (`NULL UNION 1`).
    let schema = batches.first().map(|b| b.schema()).unwrap_or(planned);
    let (schema, batches) =
        output_names::apply(schema, batches, &names).map_err(|e| df_err(e.into()))?;
    Ok(Executed {
        schema,
        batches,
        effect: Effect::None,
    })
}

/// Gives the columns of a `CREATE TABLE` the Arrow types their Spark declaration implies
/// (DataFusion reads every interval column type as MonthDayNano).
fn with_column_types(
    plan: LogicalPlan,
    types: &[(String, DataType)],
) -> datafusion::error::Result<LogicalPlan> {
    let mut create = match plan {
        LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(c)) if !types.is_empty() => c,
        other => return Ok(other),
    };
    if let LogicalPlan::EmptyRelation(empty) = create.input.as_ref() {
        let fields: Vec<Field> = empty
            .schema
            .fields()
            .iter()
            .map(|f| match types.iter().find(|(name, _)| name == f.name()) {
                Some((_, t)) => f.as_ref().clone().with_data_type(t.clone()),
                None => f.as_ref().clone(),
            })
            .collect();
        let schema = Schema::new_with_metadata(fields, empty.schema.inner().metadata().clone());
        create.input = Arc::new(LogicalPlan::EmptyRelation(EmptyRelation {
            produce_one_row: empty.produce_one_row,
            schema: Arc::new(DFSchema::try_from(schema)?),
        }));
    }
    Ok(LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(create)))
}

/// Databricks answers INSERT with `num_affected_rows` and `num_inserted_rows` (BIGINT),
/// UPDATE and DELETE with `num_affected_rows` only.
fn dml_counts(batches: &[RecordBatch], insert: bool) -> Executed {
    let count: i64 = batches
        .iter()
        .filter(|b| b.num_columns() > 0)
        .map(|b| {
            let col = b.column(0);
            arrow_cast::cast(col, &DataType::Int64)
                .ok()
                .and_then(|c| {
                    c.as_any()
                        .downcast_ref::<Int64Array>()
                        .map(|a| a.iter().flatten().sum::<i64>())
                })
                .unwrap_or(0)
        })
        .sum();
    let mut fields = vec![Field::new("num_affected_rows", DataType::Int64, true)];
    if insert {
        fields.push(Field::new("num_inserted_rows", DataType::Int64, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let col: ArrayRef = Arc::new(Int64Array::from(vec![count]));
    let batch = RecordBatch::try_new(schema.clone(), vec![col; schema.fields().len()])
        .expect("Int64 columns match the schema");
    Executed {
        schema,
        batches: vec![batch],
        effect: Effect::None,
    }
}
