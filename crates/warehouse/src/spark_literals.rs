//! Spark types an integer literal as INT when it fits in 32 bits and BIGINT otherwise
//! (`SELECT 1` is INT, as the recordings show); DataFusion reads every integer literal as
//! Int64. This narrows the literals of a planned query, before type coercion, keeping the
//! names of the columns they appear in. Arithmetic on them is INT too, as in Spark, and
//! overflows as Spark's does (see `checked_arithmetic.rs`): `2147483647 + 1` fails.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, Values};

/// Narrows the integer literals of a query plan; other plans (DML, DDL, statements) are left
/// alone: their values are cast to column types anyway.
pub fn narrow_integers(plan: LogicalPlan) -> Result<LogicalPlan> {
    if matches!(
        plan,
        LogicalPlan::Dml(_)
            | LogicalPlan::Ddl(_)
            | LogicalPlan::Statement(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::DescribeTable(_)
            | LogicalPlan::Explain(_)
            | LogicalPlan::Analyze(_)
    ) {
        return Ok(plan);
    }
    plan.transform_up_with_subqueries(|node| {
        // Only the nodes whose expressions become result columns: elsewhere (ORDER BY, GROUP
        // BY, LIMIT) a literal may stand for a projected one and must keep its identity.
        if !matches!(node, LogicalPlan::Projection(_) | LogicalPlan::Values(_)) {
            return Ok(Transformed::no(node));
        }
        let names = NamePreserver::new(&node);
        let rewritten = node.map_expressions(|e| {
            let saved = names.save(&e);
            let narrowed = e.transform_down(narrow)?;
            Ok(narrowed.update_data(|e| saved.restore(e)))
        })?;
        if !rewritten.transformed {
            return Ok(rewritten);
        }
        rewritten.map_data(|node| match node {
            // `recompute_schema` keeps a VALUES schema as it was; rebuild it from the rows.
            LogicalPlan::Values(Values { values, .. }) => {
                LogicalPlanBuilder::values(values)?.build()
            }
            other => other.recompute_schema(),
        })
    })
    .map(|t| t.data)
}

fn narrow(e: Expr) -> Result<Transformed<Expr>> {
    match e {
        // `count(*)` is planned as `count(Int64(1))`; optimizer rules recognise that form.
        Expr::AggregateFunction(ref f) if f.func.name() == "count" => {
            Ok(Transformed::new(e, false, TreeNodeRecursion::Jump))
        }
        Expr::WindowFunction(ref f) if f.fun.name() == "count" => {
            Ok(Transformed::new(e, false, TreeNodeRecursion::Jump))
        }
        Expr::Literal(ScalarValue::Int64(Some(v)), meta) => match i32::try_from(v) {
            Ok(v) => Ok(Transformed::yes(Expr::Literal(
                ScalarValue::Int32(Some(v)),
                meta,
            ))),
            Err(_) => Ok(Transformed::no(Expr::Literal(
                ScalarValue::Int64(Some(v)),
                meta,
            ))),
        },
        other => Ok(Transformed::no(other)),
    }
}
