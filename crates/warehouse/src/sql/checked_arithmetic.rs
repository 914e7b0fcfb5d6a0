//! Integer `+`, `-`, `*`, unary minus and `sum` raise ARITHMETIC_OVERFLOW on overflow, as on
//! Databricks (ANSI mode); DataFusion's integer kernels and `sum` wrap silently. An analyzer
//! rule, run after type coercion (so both operands already share one integer type, and `sum`'s
//! integer argument is BIGINT), replaces these operations by functions built on arrow's checked
//! kernels and `sum` by `checked_sum`, also as a window function. Result types and column names
//! stay the same; decimal, float, interval, date and timestamp arithmetic is left alone.

use std::sync::Arc;

use arrow_schema::{ArrowError, DataType};
use datafusion::arrow::compute::kernels::numeric::{add, mul, neg, sub};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{internal_err, DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility, WindowFunctionDefinition,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::physical_expr_common::datum::apply;

use crate::sql::checked_sum;
use crate::sql::integer_overflow::{overflow, Op};

#[derive(Debug)]
pub struct CheckedIntegerArithmetic;

impl AnalyzerRule for CheckedIntegerArithmetic {
    fn name(&self) -> &str {
        "checked_integer_arithmetic"
    }

    fn analyze(&self, plan: LogicalPlan, _: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let schema = merge_schema(&node.inputs());
            let names = NamePreserver::new(&node);
            node.map_expressions(|e| {
                let saved = names.save(&e);
                let checked = e.transform_up(|e| checked(e, &schema))?;
                Ok(checked.update_data(|e| saved.restore(e)))
            })
        })
        .map(|t| t.data)
    }
}

fn checked(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let integer = |e: &Expr| e.get_type(schema).ok().filter(DataType::is_integer);
    let bigint_sum = |name: &str, args: &[Expr]| {
        name == "sum" && matches!(args, [arg] if integer(arg) == Some(DataType::Int64))
    };
    let (op, args) = match e {
        Expr::AggregateFunction(mut sum) if bigint_sum(sum.func.name(), &sum.params.args) => {
            sum.func = checked_sum::udaf();
            return Ok(Transformed::yes(Expr::AggregateFunction(sum)));
        }
        Expr::WindowFunction(mut window)
            if matches!(&window.fun, WindowFunctionDefinition::AggregateUDF(f)
                if bigint_sum(f.name(), &window.params.args)) =>
        {
            window.fun = WindowFunctionDefinition::AggregateUDF(checked_sum::udaf());
            return Ok(Transformed::yes(Expr::WindowFunction(window)));
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let checked = match op {
                Operator::Plus => Some(Op::Add),
                Operator::Minus => Some(Op::Subtract),
                Operator::Multiply => Some(Op::Multiply),
                _ => None,
            }
            .filter(|_| integer(&left).is_some_and(|l| Some(l) == integer(&right)));
            match checked {
                Some(checked) => (checked, vec![*left, *right]),
                None => {
                    let unchanged = Expr::BinaryExpr(BinaryExpr { left, op, right });
                    return Ok(Transformed::no(unchanged));
                }
            }
        }
        Expr::Negative(inner) if integer(&inner).is_some_and(|t| t.is_signed_integer()) => {
            (Op::Negate, vec![*inner])
        }
        other => return Ok(Transformed::no(other)),
    };
    let udf = Arc::new(ScalarUDF::new_from_impl(Checked::new(op)));
    Ok(Transformed::yes(Expr::ScalarFunction(
        ScalarFunction::new_udf(udf, args),
    )))
}

/// One checked operation; its result type is its operands' type.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Checked {
    op: Op,
    signature: Signature,
}

impl Checked {
    fn new(op: Op) -> Self {
        let arity = if op == Op::Negate { 1 } else { 2 };
        Checked {
            op,
            signature: Signature::any(arity, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Checked {
    fn name(&self) -> &str {
        match self.op {
            Op::Add => "checked_add",
            Op::Subtract => "checked_subtract",
            Op::Multiply => "checked_multiply",
            Op::Negate => "checked_negate",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(args[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let t = args.return_field.data_type().clone();
        let spark_error = |e: ArrowError| match e {
            ArrowError::ArithmeticOverflow(_) => overflow(self.op, &t),
            other => other,
        };
        match (self.op, args.args.as_slice()) {
            (Op::Negate, [ColumnarValue::Array(a)]) => {
                Ok(ColumnarValue::Array(neg(a).map_err(spark_error)?))
            }
            (Op::Negate, [ColumnarValue::Scalar(s)]) => {
                let negated = neg(&s.to_array()?).map_err(spark_error)?;
                Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                    &negated, 0,
                )?))
            }
            (Op::Add, [l, r]) => apply(l, r, |l, r| add(l, r).map_err(spark_error)),
            (Op::Subtract, [l, r]) => apply(l, r, |l, r| sub(l, r).map_err(spark_error)),
            (Op::Multiply, [l, r]) => apply(l, r, |l, r| mul(l, r).map_err(spark_error)),
            _ => internal_err!("{} called with {} arguments", self.name(), args.args.len()),
        }
    }
}
