//! `sum` over integers raises ARITHMETIC_OVERFLOW instead of wrapping, as on Databricks (ANSI
//! mode). Type coercion has already widened every signed integer argument of `sum` to BIGINT, so
//! one BIGINT aggregate replaces DataFusion's `sum` there (see `checked_arithmetic`); the result
//! type stays BIGINT, as in Spark. Values are added one at a time in input order and the first
//! partial sum that does not fit fails, like Spark's running `Add`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, BooleanArray, Int64Array};
use arrow_schema::{DataType, Field, FieldRef};
use datafusion::arrow::compute::{not, nullif, prep_null_mask_filter};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{format_state_name, AggregateOrderSensitivity};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, ReversedUDAF,
    Signature, Volatility,
};
use datafusion::physical_expr::NullState;

use crate::sql::integer_overflow::long_add_overflow;

/// The checked `sum(BIGINT)`, shared by every plan.
pub fn udaf() -> Arc<AggregateUDF> {
    static SUM: LazyLock<Arc<AggregateUDF>> =
        LazyLock::new(|| Arc::new(AggregateUDF::new_from_impl(CheckedSum::new())));
    SUM.clone()
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CheckedSum {
    signature: Signature,
}

impl CheckedSum {
    fn new() -> Self {
        CheckedSum {
            signature: Signature::exact(vec![DataType::Int64], Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for CheckedSum {
    fn name(&self) -> &str {
        "checked_sum"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(if args.is_distinct {
            Box::new(DistinctSum::default())
        } else {
            Box::new(Sum::default())
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let field = if args.is_distinct {
            Field::new_list(
                format_state_name(args.name, "sum distinct"),
                Field::new_list_field(DataType::Int64, true),
                false,
            )
        } else {
            Field::new(format_state_name(args.name, "sum"), DataType::Int64, true)
        };
        Ok(vec![Arc::new(field)])
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        !args.is_distinct
    }

    fn create_groups_accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::<GroupSums>::default())
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        ReversedUDAF::Identical
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::Insensitive
    }
}

fn add(sum: i64, value: i64) -> Result<i64> {
    sum.checked_add(value).ok_or_else(overflow)
}

fn overflow() -> DataFusionError {
    DataFusionError::ArrowError(Box::new(long_add_overflow()), None)
}

/// The running sum of one group. It counts its values so that it can also serve sliding window
/// frames, which retract the rows leaving the frame; its state is the sum alone.
#[derive(Debug, Default)]
struct Sum {
    sum: i64,
    count: u64,
}

impl Accumulator for Sum {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Int64Type>().iter().flatten() {
            self.sum = add(self.sum, v)?;
            self.count += 1;
        }
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Int64Type>().iter().flatten() {
            self.sum = self.sum.checked_sub(v).ok_or_else(overflow)?;
            self.count -= 1;
        }
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64((self.count > 0).then_some(self.sum)))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

/// `sum(DISTINCT ...)`: how often each value occurs, so that window frames can retract rows.
#[derive(Debug, Default)]
struct DistinctSum {
    counts: HashMap<i64, u64>,
}

impl Accumulator for DistinctSum {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Int64Type>().iter().flatten() {
            *self.counts.entry(v).or_default() += 1;
        }
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Int64Type>().iter().flatten() {
            if let Some(n) = self.counts.get_mut(&v) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(&v);
                }
            }
        }
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for list in states[0].as_list::<i32>().iter().flatten() {
            self.update_batch(&[list])?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<_> = self
            .counts
            .keys()
            .map(|&v| ScalarValue::Int64(Some(v)))
            .collect();
        Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
            &values,
            &DataType::Int64,
        ))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut values = self.counts.keys();
        let Some(&first) = values.next() else {
            return Ok(ScalarValue::Int64(None));
        };
        values
            .try_fold(first, |sum, &v| add(sum, v))
            .map(|sum| ScalarValue::Int64(Some(sum)))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.counts.capacity() * size_of::<(i64, u64)>()
    }
}

/// The running sums of all groups of a GROUP BY, kept in one vector: per-group accumulators
/// would be several times slower on many groups.
#[derive(Debug, Default)]
struct GroupSums {
    sums: Vec<i64>,
    seen: NullState,
}

impl GroupsAccumulator for GroupSums {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.sums.resize(total_num_groups, 0);
        let sums = &mut self.sums;
        let mut overflowed = false;
        self.seen.accumulate(
            group_indices,
            values[0].as_primitive::<Int64Type>(),
            opt_filter,
            total_num_groups,
            |group, v| match sums[group].checked_add(v) {
                Some(sum) => sums[group] = sum,
                None => overflowed = true,
            },
        );
        if overflowed {
            return Err(overflow());
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.update_batch(values, group_indices, None, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let sums = emit_to.take_needed(&mut self.sums);
        let nulls = self.seen.build(emit_to);
        Ok(Arc::new(Int64Array::new(sums.into(), nulls)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.evaluate(emit_to)?])
    }

    /// Each row's state is its own value, NULL where the filter drops it. Adding nothing, this
    /// cannot overflow.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let state = match opt_filter {
            None => values[0].clone(),
            Some(keep) => nullif(&values[0], &not(&prep_null_mask_filter(keep))?)?,
        };
        Ok(vec![state])
    }

    fn size(&self) -> usize {
        self.sums.capacity() * size_of::<i64>() + self.seen.size()
    }
}
