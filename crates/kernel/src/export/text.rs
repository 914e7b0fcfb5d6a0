//! Columns made exact for the text formats before arrow-csv or arrow-json see them: binary as
//! base64, nested values as JSON text (CSV has no nesting), and, for JSON, BIGINT and DECIMAL as
//! strings of their full digits, since `JSON.parse` turns long numbers into doubles.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::cast;
use arrow_json::writer::{make_encoder, EncoderOptions};
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Schema};
use base64::Engine;

/// What the text form of one batch needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextRules {
    /// Nested values become JSON text (CSV, TSV).
    pub nested_as_json: bool,
    /// BIGINT and DECIMAL become strings (JSON formats with exact numbers).
    pub exact_as_strings: bool,
}

/// `batch` with every column the rules touch replaced; untouched columns are shared, not copied.
pub(crate) fn prepare(batch: &RecordBatch, rules: TextRules) -> Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    if !schema
        .fields()
        .iter()
        .any(|f| touched(f.data_type(), rules))
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        if touched(field.data_type(), rules) {
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(as_text(field, column, rules)?);
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_)
    )
}

fn is_exact_number(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int64
            | DataType::UInt64
            | DataType::Decimal32(_, _)
            | DataType::Decimal64(_, _)
            | DataType::Decimal128(_, _)
            | DataType::Decimal256(_, _)
    )
}

fn touched(t: &DataType, rules: TextRules) -> bool {
    is_binary(t)
        || (rules.nested_as_json && t.is_nested())
        || (rules.exact_as_strings && is_exact_number(t))
}

fn as_text(field: &FieldRef, column: &ArrayRef, rules: TextRules) -> Result<ArrayRef, ArrowError> {
    let t = field.data_type();
    if is_binary(t) {
        return base64_column(column);
    }
    if rules.nested_as_json && t.is_nested() {
        return json_column(field, column);
    }
    cast(column, &DataType::Utf8)
}

fn base64_column(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let binary = cast(column, &DataType::LargeBinary)?;
    let binary = binary
        .as_any()
        .downcast_ref::<arrow_array::LargeBinaryArray>()
        .ok_or_else(|| ArrowError::CastError("binary column".into()))?;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut out = StringBuilder::with_capacity(binary.len(), binary.values().len() * 4 / 3 + 4);
    for value in binary.iter() {
        out.append_option(value.map(|v| engine.encode(v)));
    }
    Ok(Arc::new(out.finish()))
}

/// Each nested value as its JSON text, written by arrow-json's own encoder.
fn json_column(field: &FieldRef, column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let options = EncoderOptions::default().with_explicit_nulls(true);
    let mut encoder = make_encoder(field, column.as_ref(), &options)?;
    let mut out = StringBuilder::with_capacity(column.len(), column.len() * 16);
    let mut text = Vec::new();
    for i in 0..column.len() {
        if column.is_null(i) {
            out.append_null();
            continue;
        }
        text.clear();
        encoder.encode(i, &mut text);
        out.append_value(String::from_utf8_lossy(&text));
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{Int64Builder, ListBuilder};
    use arrow_array::{BinaryArray, Decimal128Array, Int64Array, StringArray};

    fn text(batch: &RecordBatch, i: usize) -> Vec<Option<String>> {
        let column = batch
            .column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        column.iter().map(|v| v.map(str::to_owned)).collect()
    }

    #[test]
    fn binary_nested_and_exact_numbers_become_text() {
        let mut list = ListBuilder::new(Int64Builder::new());
        list.values().append_value(9_007_199_254_740_993);
        list.append(true);
        list.append(false);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(BinaryArray::from_opt_vec(vec![Some(b"hi\0"), None])),
            Arc::new(list.finish()),
            Arc::new(Int64Array::from(vec![Some(9_007_199_254_740_993), None])),
            Arc::new(
                Decimal128Array::from(vec![Some(-1_234_567), Some(5)])
                    .with_precision_and_scale(38, 2)
                    .unwrap(),
            ),
        ];
        let batch =
            RecordBatch::try_from_iter(["b", "l", "n", "d"].into_iter().zip(columns)).unwrap();
        let rules = TextRules {
            nested_as_json: true,
            exact_as_strings: true,
        };
        let out = prepare(&batch, rules).unwrap();
        assert_eq!(text(&out, 0), [Some("aGkA".into()), None]);
        assert_eq!(text(&out, 1), [Some("[9007199254740993]".into()), None]);
        assert_eq!(text(&out, 2), [Some("9007199254740993".into()), None]);
        assert_eq!(
            text(&out, 3),
            [Some("-12345.67".into()), Some("0.05".into())]
        );
    }

    #[test]
    fn untouched_batches_pass_through() {
        let batch =
            RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![1])) as ArrayRef)])
                .unwrap();
        let rules = TextRules {
            nested_as_json: true,
            exact_as_strings: false,
        };
        let out = prepare(&batch, rules).unwrap();
        assert_eq!(out.column(0).data_type(), &DataType::Int64);
    }
}
