//! Spark types an integer literal as INT when it fits in 32 bits and BIGINT otherwise
//! (`SELECT 1` is INT, as the recordings show); DataFusion reads every integer literal as
//! Int64. This narrows the literals of a planned query, before type coercion, keeping the
//! names of the columns they appear in. Arithmetic on them is INT too, as in Spark, and
//! overflows as Spark's does (see `checked_arithmetic.rs`): `2147483647 + 1` fails.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, Values};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, visit_statements_mut, CastKind, DataType as SqlType, ExactNumberInfo,
    Expr as SqlExpr, Ident, Query, SelectItem, SetExpr, Statement, Value as SqlValue,
};
use std::ops::ControlFlow;

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

/// Spark's suffixed numeric literals (`1L`, `2S`, `3Y`, `2.25D`, `1.5F`, `1.5BD`), which the
/// parser reads as identifiers, become casts of the plain number to the type the suffix names.
/// An unaliased SELECT item that is only such a literal keeps the number as its name, as in
/// Spark. Runs before the result names are taken.
pub fn suffixes(statement: &mut DfStatement) {
    let DfStatement::Statement(stmt) = statement else {
        return;
    };
    let _ = visit_statements_mut(stmt.as_mut(), |s| {
        if let Statement::Query(q) = s {
            name_suffixed_items(q);
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions_mut(stmt.as_mut(), |expr| {
        if let SqlExpr::Identifier(id) = expr {
            if let Some(typed) = suffixed(id) {
                *expr = typed;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

fn name_suffixed_items(q: &mut Query) {
    let SetExpr::Select(select) = q.body.as_mut() else {
        return;
    };
    for item in &mut select.projection {
        if let SelectItem::UnnamedExpr(SqlExpr::Identifier(id)) = item {
            if let Some((number, _)) = split_suffix(id) {
                let alias = Ident::with_quote('`', number);
                *item = SelectItem::ExprWithAlias {
                    expr: SqlExpr::Identifier(id.clone()),
                    alias,
                };
            }
        }
    }
}

/// `("12", BIGINT)` for `12L`; `None` for anything else (quoted names included).
fn split_suffix(id: &Ident) -> Option<(String, SqlType)> {
    if id.quote_style.is_some() {
        return None;
    }
    let v = id.value.to_ascii_uppercase();
    let digits_end = v.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, suffix) = v.split_at(digits_end);
    if number.is_empty()
        || !number.starts_with(|c: char| c.is_ascii_digit())
        || number.matches('.').count() > 1
    {
        return None;
    }
    let integral = !number.contains('.');
    let t = match suffix {
        "L" if integral => SqlType::BigInt(None),
        "S" if integral => SqlType::SmallInt(None),
        "Y" if integral => SqlType::TinyInt(None),
        "D" => SqlType::Double(ExactNumberInfo::None),
        "F" => SqlType::Float(ExactNumberInfo::None),
        "BD" => {
            let (int, frac) = number.split_once('.').unwrap_or((number, ""));
            let int = int.trim_start_matches('0');
            let scale = frac.len() as u64;
            let precision = (int.len() as u64 + scale).max(1);
            SqlType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, scale as i64))
        }
        _ => return None,
    };
    Some((number.to_string(), t))
}

fn suffixed(id: &Ident) -> Option<SqlExpr> {
    let (number, data_type) = split_suffix(id)?;
    Some(SqlExpr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(SqlExpr::Value(
            SqlValue::Number(number, false).with_empty_span(),
        )),
        data_type,
        array: false,
        format: None,
    })
}
