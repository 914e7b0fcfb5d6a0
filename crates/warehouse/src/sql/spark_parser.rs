//! The SQL parser: sqlparser's Databricks dialect, plus the `MAP<K, V>` type syntax Spark
//! accepts but that dialect does not (its only other nested types, `ARRAY<T>` and
//! `STRUCT<a: T>`, it parses already), and backslash escapes in string literals.

use std::any::TypeId;

use datafusion::common::{plan_datafusion_err, Result};
use datafusion::execution::session_state::SessionState;
use datafusion::sql::parser::{DFParserBuilder, Statement};
use datafusion::sql::sqlparser::dialect::{DatabricksDialect, Dialect};

/// Parses one statement as [`SessionState::sql_to_statement`] does, with [`SparkDialect`].
pub fn parse(state: &SessionState, sql: &str) -> Result<Statement> {
    let limit = state.config().options().sql_parser.recursion_limit.get();
    let mut statements = DFParserBuilder::new(sql)
        .with_dialect(&SparkDialect)
        .with_recursion_limit(limit)
        .build()?
        .parse_statements()?;
    if statements.len() > 1 {
        return datafusion::common::not_impl_err!(
            "The context currently only supports a single SQL statement"
        );
    }
    statements
        .pop_front()
        .ok_or_else(|| plan_datafusion_err!("No SQL statements were provided in the query string"))
}

/// Databricks' dialect with `MAP<K, V>` types. It reports itself as [`DatabricksDialect`], so
/// the parser's dialect checks treat it as one, and forwards every setting Databricks'
/// dialect changes from the defaults.
#[derive(Debug)]
pub struct SparkDialect;

impl Dialect for SparkDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<DatabricksDialect>()
    }

    fn supports_map_literal_with_angle_brackets(&self) -> bool {
        true
    }

    /// Spark reads `\'`, `\\`, `\n`, ... in string literals as escapes.
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        DatabricksDialect.is_delimited_identifier_start(ch)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        DatabricksDialect.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        DatabricksDialect.is_identifier_part(ch)
    }

    fn supports_numeric_prefix(&self) -> bool {
        DatabricksDialect.supports_numeric_prefix()
    }

    fn supports_filter_during_aggregation(&self) -> bool {
        DatabricksDialect.supports_filter_during_aggregation()
    }

    fn supports_group_by_expr(&self) -> bool {
        DatabricksDialect.supports_group_by_expr()
    }

    fn supports_table_versioning(&self) -> bool {
        DatabricksDialect.supports_table_versioning()
    }

    fn supports_lambda_functions(&self) -> bool {
        DatabricksDialect.supports_lambda_functions()
    }

    fn supports_select_wildcard_except(&self) -> bool {
        DatabricksDialect.supports_select_wildcard_except()
    }

    fn require_interval_qualifier(&self) -> bool {
        DatabricksDialect.require_interval_qualifier()
    }

    fn supports_struct_literal(&self) -> bool {
        DatabricksDialect.supports_struct_literal()
    }

    fn supports_nested_comments(&self) -> bool {
        DatabricksDialect.supports_nested_comments()
    }

    fn supports_group_by_with_modifier(&self) -> bool {
        DatabricksDialect.supports_group_by_with_modifier()
    }

    fn supports_values_as_table_factor(&self) -> bool {
        DatabricksDialect.supports_values_as_table_factor()
    }

    fn supports_optimize_table(&self) -> bool {
        DatabricksDialect.supports_optimize_table()
    }

    fn supports_bang_not_operator(&self) -> bool {
        DatabricksDialect.supports_bang_not_operator()
    }

    fn supports_cte_without_as(&self) -> bool {
        DatabricksDialect.supports_cte_without_as()
    }

    fn supports_select_item_multi_column_alias(&self) -> bool {
        DatabricksDialect.supports_select_item_multi_column_alias()
    }
}
