//! Spark's `range(n)` / `range(start, end[, step])`: one non-null BIGINT column named `id`.
//! DataFusion's own `range` names its column `value`, so this wraps it in a renaming view.

use std::sync::Arc;

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::functions_table::generate_series::RangeFunc;
use datafusion::logical_expr::{col, LogicalPlanBuilder};

#[derive(Debug, Default)]
pub struct SparkRange;

impl TableFunctionImpl for SparkRange {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let series = RangeFunc {}.call_with_args(args)?;
        let plan = LogicalPlanBuilder::scan("range", provider_as_source(series), None)?
            .project(vec![col("value").alias("id")])?
            .build()?;
        Ok(Arc::new(ViewTable::new(plan, None)))
    }
}
