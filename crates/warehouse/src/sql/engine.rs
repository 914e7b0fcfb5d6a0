//! The SQL engine: one DataFusion catalog tree shared by every session (`main.default` for
//! user tables, `samples.tpch`, mounted files), and per-statement contexts that carry the
//! session's namespace and time zone.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Schema, SchemaRef};
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider};
use datafusion::common::config::Dialect;
use datafusion::common::ScalarValue;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::{create_udf, ColumnarValue, LogicalPlan, Volatility};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};

use crate::config::WarehouseConfig;
use crate::sessions::{SessionView, DEFAULT_CATALOG, DEFAULT_SCHEMA};
use crate::sql::checked_arithmetic::CheckedIntegerArithmetic;
use crate::sql::nested_types::NestedTypes;
use crate::sql::params::Params;
use crate::sql::range::SparkRange;
use crate::sql::sql_errors::SqlError;
use crate::sql::{
    dialect, identity, info_schema, output_names, sleep, spark_functions, spark_literals,
    spark_parser, tpch,
};
use crate::table_meta::TableMetaStore;

/// A change a statement makes to its session (`USE ...`, `SET TIME ZONE ...`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Effect {
    #[default]
    None,
    UseNamespace {
        catalog: Option<String>,
        schema: Option<String>,
    },
    SetTimezone(String),
}

/// A finished statement, before conversion to wire types.
#[derive(Debug)]
pub struct Executed {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub effect: Effect,
}

impl Executed {
    /// A statement with no result set (DDL, USE, SET): `column_count: 0` on the wire.
    pub fn no_result(effect: Effect) -> Self {
        Executed {
            schema: Arc::new(Schema::empty()),
            batches: Vec::new(),
            effect,
        }
    }
}

pub struct Engine {
    base: SessionState,
    /// Constraints and creation times of tables (see `table_meta`).
    pub meta: Arc<TableMetaStore>,
}

impl Engine {
    pub async fn new(config: &WarehouseConfig) -> Result<Self, String> {
        let mut cfg = SessionConfig::new()
            .with_default_catalog_and_schema(DEFAULT_CATALOG, DEFAULT_SCHEMA)
            .with_create_default_catalog_and_schema(true);
        let opts = cfg.options_mut();
        // Statements are parsed by `spark_parser`; this dialect serves DataFusion's own parsing.
        opts.sql_parser.dialect = Dialect::Databricks;
        // Databricks emits Utf8 for STRING; keep DataFusion from choosing Utf8View.
        opts.sql_parser.map_string_types_to_utf8view = false;
        // Spark sorts NULLs first in ascending order and last in descending order.
        opts.sql_parser.default_null_ordering = "nulls_min".to_string();
        // Spark types `1.25` as DECIMAL(3,2), exactly; DataFusion would read a DOUBLE.
        opts.sql_parser.parse_float_as_decimal = true;
        opts.execution.parquet.schema_force_view_types = false;
        // A scan of one table or of range(n) keeps its row order unless the query reorders:
        // spreading its batches (or a table's or file's) over partitions would interleave them.
        opts.optimizer.enable_round_robin_repartition = false;
        opts.optimizer.repartition_file_scans = false;
        let state = SessionStateBuilder::new()
            .with_config(cfg)
            .with_default_features()
            .with_type_planner(Arc::new(NestedTypes))
            .with_analyzer_rule(Arc::new(CheckedIntegerArithmetic))
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.register_udtf("range", Arc::new(SparkRange));
        ctx.register_udf(sleep::udf());
        ctx.register_udf(identity::udf());
        for f in spark_functions::all() {
            ctx.register_udf(f);
        }
        // Spark's `array(...)` is DataFusion's `make_array(...)`.
        let make_array = ctx.state().scalar_functions().get("make_array").cloned();
        if let Some(f) = make_array {
            ctx.register_udf(f.as_ref().clone().with_aliases(["array"]));
        }

        let samples = MemoryCatalogProvider::new();
        samples
            .register_schema("tpch", Arc::new(tpch::TpchSchema::new(config.tpch_scale)))
            .map_err(|e| e.to_string())?;
        ctx.register_catalog("samples", Arc::new(samples));

        for (name, path) in &config.tables {
            let path_str = path.to_string_lossy().to_string();
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let result = match ext.as_str() {
                "parquet" => {
                    ctx.register_parquet(name.as_str(), &path_str, ParquetReadOptions::default())
                        .await
                }
                "csv" => {
                    ctx.register_csv(name.as_str(), &path_str, CsvReadOptions::new())
                        .await
                }
                _ => {
                    return Err(format!(
                        "cannot mount table '{name}': '{path_str}' is neither .parquet nor .csv"
                    ))
                }
            };
            result.map_err(|e| format!("cannot mount table '{name}' from '{path_str}': {e}"))?;
        }
        // Every catalog answers `<catalog>.information_schema.*`.
        let meta = Arc::new(TableMetaStore::default());
        let list = Arc::downgrade(ctx.state().catalog_list());
        for name in ctx.catalog_names() {
            if let Some(inner) = ctx.catalog(&name) {
                let wrapped = info_schema::UcCatalog::new(&name, inner, list.clone(), meta.clone());
                ctx.register_catalog(name.as_str(), Arc::new(wrapped));
            }
        }
        // Registered after the wrapping: no information_schema there.
        if config.hive_metastore {
            let hive = MemoryCatalogProvider::new();
            hive.register_schema(DEFAULT_SCHEMA, Arc::new(MemorySchemaProvider::new()))
                .map_err(|e| e.to_string())?;
            ctx.register_catalog("hive_metastore", Arc::new(hive));
        }
        Ok(Engine {
            base: ctx.state(),
            meta,
        })
    }

    /// A context for one statement, carrying the session's namespace and time zone.
    pub fn context(&self, session: &SessionView) -> SessionContext {
        let mut state = self.base.clone();
        let opts = state.config_mut().options_mut();
        opts.catalog.default_catalog = session.catalog.clone();
        opts.catalog.default_schema = session.schema.clone();
        opts.execution.time_zone = Some(session.timezone.clone());
        let ctx = SessionContext::new_with_state(state);
        for (name, value) in [
            ("current_catalog", &session.catalog),
            ("current_schema", &session.schema),
            ("current_database", &session.schema),
        ] {
            let value = value.clone();
            ctx.register_udf(create_udf(
                name,
                vec![],
                DataType::Utf8,
                Volatility::Stable,
                Arc::new(move |_| {
                    Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
                        value.clone(),
                    ))))
                }),
            ));
        }
        ctx
    }

    pub fn catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        self.base.catalog_list().catalog(name)
    }

    pub fn catalog_names(&self) -> Vec<String> {
        let mut names = self.base.catalog_list().catalog_names();
        names.sort();
        names
    }

    /// The result schema of `sql`, planned but not run.
    pub async fn plan_schema(
        &self,
        session: &SessionView,
        sql: &str,
    ) -> Result<SchemaRef, SqlError> {
        let df_err = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, sql);
        let state = self.context(session).state();
        let mut statement = spark_parser::parse(&state, sql).map_err(df_err)?;
        spark_literals::suffixes(&mut statement);
        let names = output_names::take(&mut statement);
        dialect::rewrite(&mut statement);
        let plan = state.statement_to_plan(statement).await.map_err(df_err)?;
        let schema = plan.schema().inner().clone();
        Ok(output_names::rename(&schema, &names).unwrap_or(schema))
    }
}

/// A statement's parameters bound into its plan. `numbered` are the names of the `:name`
/// markers that `dialect::number_markers` turned into `$1, $2, ...`, in that order (empty when
/// the statement's named markers kept their names); errors are reported against `sql`.
pub fn bind_params(
    plan: LogicalPlan,
    params: &Params,
    numbered: &[String],
    sql: &str,
) -> Result<LogicalPlan, SqlError> {
    let df_err = |e: datafusion::error::DataFusionError| SqlError::from_datafusion(&e, sql);
    match params {
        Params::None => Ok(plan),
        Params::Positional(values) => bind(
            plan,
            values
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, v)| ((i + 1).to_string(), v))
                .collect(),
            true,
        )
        .map_err(df_err),
        Params::Named(values) if !numbered.is_empty() => {
            let values = numbered
                .iter()
                .enumerate()
                .map(|(i, name)| match values.get(name) {
                    Some(v) => Ok(((i + 1).to_string(), v.clone())),
                    None => Err(unbound(name)),
                })
                .collect::<Result<Vec<_>, _>>()?;
            bind(plan, values, true).map_err(df_err)
        }
        Params::Named(values) => {
            bind(plan, values.clone().into_iter().collect(), false).map_err(df_err)
        }
    }
}

/// Binds `(marker name without its sigil, value)` pairs, positionally (`$1, $2, ...`) or by
/// name. Each value is first cast to the type the planner inferred for its marker (e.g. an
/// INSERT's target column), as Spark's store assignment does: DataFusion rebuilds VALUES from
/// the bound literals, so a value left in its own type would be stored in that type.
fn bind(
    plan: LogicalPlan,
    values: Vec<(String, ScalarValue)>,
    positional: bool,
) -> datafusion::error::Result<LogicalPlan> {
    // In a query an INT parameter stays INT (`:p + 1` is INT, as in Spark), though the planner
    // inferred BIGINT for it from the integer literal beside it.
    let query = !matches!(plan, LogicalPlan::Dml(_) | LogicalPlan::Ddl(_));
    let narrow = |value: &ScalarValue, t: &DataType| {
        query
            && *t == DataType::Int64
            && matches!(
                value,
                ScalarValue::Int32(_) | ScalarValue::Int16(_) | ScalarValue::Int8(_)
            )
    };
    // A marker used where different types are expected (`:n` compared with an INT and a
    // BIGINT column) has no single inferred type: its value is bound as given and coerced
    // where it is used.
    let inferred = plan.get_parameter_types().unwrap_or_default();
    let expected = |name: &str| {
        inferred
            .iter()
            .find(|(id, _)| id.get(1..) == Some(name))
            .and_then(|(_, t)| t.clone())
    };
    let mut cast = Vec::with_capacity(values.len());
    for (name, value) in values {
        let value = match expected(&name) {
            Some(t) if t != value.data_type() && !narrow(&value, &t) => value.cast_to(&t)?,
            _ => value,
        };
        cast.push((name, value));
    }
    if positional {
        let list: Vec<ScalarValue> = cast.into_iter().map(|(_, v)| v).collect();
        plan.with_param_values(list)
    } else {
        let map: HashMap<String, ScalarValue> = cast.into_iter().collect();
        plan.with_param_values(map)
    }
}

fn unbound(name: &str) -> SqlError {
    SqlError::new(
        "UNBOUND_SQL_PARAMETER",
        "42P02",
        format!("Found the unbound parameter: {name}. Please, fix `args` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`."),
    )
}
