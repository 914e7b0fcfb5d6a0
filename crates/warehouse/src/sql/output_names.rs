//! The names of a query's result columns, as Spark gives them. DataFusion names an unaliased
//! item after its plan (`Int64(1) + Int64(1)`) and lower-cases unquoted aliases; Spark prints
//! the expression (`(1 + 1)`) and keeps the alias as written. The names are taken from the
//! parsed statement before planning and put on the result afterwards, by position, so
//! ORDER BY, GROUP BY and the rest of the query still plan against DataFusion's own names.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema, SchemaRef};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, Expr as SqlExpr, Ident, Query, SelectItem, SetExpr, Statement,
};

use crate::sql::spark_names;

/// What one item of the outermost SELECT list names.
#[derive(Debug, Clone)]
pub enum OutputName {
    /// One column, named this.
    Named(String),
    /// One column, keeping DataFusion's name (a quoted alias, or a form with no Spark name).
    Kept,
    /// A `*`: any number of columns, keeping their names.
    Expanded,
}

/// The names of the result columns of a query or CTAS statement. Repeated items (`SELECT 1,
/// 1`), which Spark allows but DataFusion rejects, get internal aliases in every branch of
/// the outermost set operation; their result names come from here.
pub fn take(statement: &mut DfStatement) -> Vec<OutputName> {
    let DfStatement::Statement(stmt) = statement else {
        return Vec::new();
    };
    match stmt.as_mut() {
        Statement::Query(query) => {
            let names = names(query);
            for items in branches(query.body.as_mut()) {
                alias_repeats(items);
            }
            if let Some(items) = branches(query.body.as_mut()).into_iter().next() {
                alias_intervals(items);
            }
            names
        }
        // Spark names a new table's columns as it names result columns.
        Statement::CreateTable(create) => {
            if let Some(query) = create.query.as_mut() {
                let names = names(query);
                if let Some(items) = branches(query.body.as_mut()).into_iter().next() {
                    alias_unnamed(items, &names);
                }
            }
            Vec::new()
        }
        Statement::Insert(insert) => {
            if let Some(query) = insert.source.as_mut() {
                for items in branches(query.body.as_mut()) {
                    alias_repeats(items);
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn names(query: &Query) -> Vec<OutputName> {
    let Some(items) = first_select(query) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    items
        .iter()
        .map(|item| {
            let repeated = !seen.insert(key(item));
            match item {
                SelectItem::UnnamedExpr(expr) => match spark_names::of(expr) {
                    Some(name) => OutputName::Named(name),
                    None if repeated => OutputName::Named(expr.to_string()),
                    None => OutputName::Kept,
                },
                SelectItem::ExprWithAlias { alias, .. }
                    if alias.quote_style.is_none() || repeated =>
                {
                    OutputName::Named(alias.value.clone())
                }
                SelectItem::ExprWithAlias { .. } => OutputName::Kept,
                _ => OutputName::Expanded,
            }
        })
        .collect()
}

/// The SELECT list that names a query's result columns (the first branch of a set operation).
fn first_select(query: &Query) -> Option<&Vec<SelectItem>> {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Select(select) => return Some(&select.projection),
            SetExpr::SetOperation { left, .. } => body = left.as_ref(),
            SetExpr::Query(inner) => body = inner.body.as_ref(),
            _ => return None,
        }
    }
}

/// The SELECT lists of every branch of a set operation, first branch first.
fn branches(body: &mut SetExpr) -> Vec<&mut Vec<SelectItem>> {
    match body {
        SetExpr::Select(select) => vec![&mut select.projection],
        SetExpr::SetOperation { left, right, .. } => {
            let mut all = branches(left);
            all.extend(branches(right));
            all
        }
        SetExpr::Query(inner) => branches(inner.body.as_mut()),
        _ => Vec::new(),
    }
}

/// What DataFusion would call an item, as far as telling repeats apart goes: its names see
/// through casts and parentheses (`CAST(x AS INT)` is `x`), and `t.x` may be `x`.
fn key(item: &SelectItem) -> String {
    match item {
        SelectItem::UnnamedExpr(expr) => {
            let mut expr = expr.clone();
            let _ = visit_expressions_mut(&mut expr, |e: &mut SqlExpr| {
                if let SqlExpr::Cast { expr: inner, .. } | SqlExpr::Nested(inner) = e {
                    let inner = inner.as_ref().clone();
                    *e = inner;
                }
                if let SqlExpr::CompoundIdentifier(parts) = e {
                    if let Some(last) = parts.pop() {
                        *e = SqlExpr::Identifier(last);
                    }
                }
                ControlFlow::<()>::Continue(())
            });
            expr.to_string().to_lowercase()
        }
        SelectItem::ExprWithAlias { alias, .. } if alias.quote_style.is_none() => {
            alias.value.to_lowercase()
        }
        SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
        other => other.to_string(),
    }
}

fn alias_repeats(items: &mut [SelectItem]) {
    let mut seen = HashSet::new();
    for (i, item) in items.iter_mut().enumerate() {
        if seen.insert(key(item)) {
            continue;
        }
        let expr = match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr.clone(),
            _ => continue,
        };
        *item = SelectItem::ExprWithAlias {
            expr,
            alias: Ident::with_quote('`', format!("__repeated_{i}")),
        };
    }
}

/// Spark names an unaliased interval literal column by its text (`INTERVAL '1-2' YEAR TO
/// MONTH`). `dialect::rewrite` replaces the literal by a typed value whose name would be an
/// `arrow_cast` call, and literals of equal value would then share a name, so the text goes
/// into the statement as an alias rather than onto the result afterwards.
fn alias_intervals(items: &mut [SelectItem]) {
    for item in items.iter_mut() {
        if let SelectItem::UnnamedExpr(expr @ SqlExpr::Interval(_)) = item {
            let alias = Ident::with_quote('`', expr.to_string());
            *item = SelectItem::ExprWithAlias {
                expr: expr.clone(),
                alias,
            };
        }
    }
}

/// Gives the unaliased expressions of a CTAS query their Spark names as quoted aliases
/// (columns and written aliases already name the table's columns as Spark does).
fn alias_unnamed(items: &mut [SelectItem], names: &[OutputName]) {
    for (item, name) in items.iter_mut().zip(names) {
        let (SelectItem::UnnamedExpr(expr), OutputName::Named(name)) = (&*item, name) else {
            continue;
        };
        if matches!(
            expr,
            SqlExpr::Identifier(_) | SqlExpr::CompoundIdentifier(_)
        ) {
            continue;
        }
        *item = SelectItem::ExprWithAlias {
            expr: expr.clone(),
            alias: Ident::with_quote('`', name.clone()),
        };
    }
}

/// `schema` with the result columns named by `names`, matched by position. A single `*`
/// stands for however many columns are left over; with more than one, positions are unknown
/// and nothing is renamed.
pub fn rename(schema: &SchemaRef, names: &[OutputName]) -> Option<SchemaRef> {
    let expanded = names
        .iter()
        .filter(|n| matches!(n, OutputName::Expanded))
        .count();
    let fixed = names.len() - expanded;
    let n = schema.fields().len();
    if expanded > 1 || (expanded == 0 && fixed != n) || fixed > n {
        return None;
    }
    let mut per_column = Vec::with_capacity(n);
    for name in names {
        match name {
            OutputName::Expanded => per_column.extend((0..n - fixed).map(|_| None)),
            OutputName::Named(name) => per_column.push(Some(name.as_str())),
            OutputName::Kept => per_column.push(None),
        }
    }
    let changed = schema
        .fields()
        .iter()
        .zip(&per_column)
        .any(|(f, name)| name.is_some_and(|name| name != f.name()));
    if !changed {
        return None;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(per_column)
        .map(|(f, name)| match name {
            Some(name) => f.as_ref().clone().with_name(name),
            None => f.as_ref().clone(),
        })
        .collect();
    Some(Arc::new(Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    )))
}

/// The result batches under the renamed schema, when any name changes.
pub fn apply(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    names: &[OutputName],
) -> Result<(SchemaRef, Vec<RecordBatch>), arrow_schema::ArrowError> {
    let Some(renamed) = rename(&schema, names) else {
        return Ok((schema, batches));
    };
    let batches = batches
        .into_iter()
        .map(|b| {
            RecordBatch::try_new_with_options(
                renamed.clone(),
                b.columns().to_vec(),
                &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((renamed, batches))
}
