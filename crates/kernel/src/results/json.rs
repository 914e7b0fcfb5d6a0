//! JSON_ARRAY rows (every value a string or null) -> one Arrow record batch typed from the
//! manifest. Casting uses arrow-cast's text parsers; a value that does not parse is an error,
//! never a silent null.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_cast::cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType, Field, Schema};

use crate::error::{Error, Result};
use crate::types::arrow_type;
use crate::wire::ColumnInfo;

pub(crate) fn rows_to_batch(
    columns: &[ColumnInfo],
    rows: &[Vec<Option<String>>],
) -> Result<RecordBatch> {
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let text: StringArray = rows
            .iter()
            .map(|row| row.get(i).and_then(|v| v.as_deref()))
            .collect();
        let target = arrow_type(column);
        // Intervals and binary have no text form arrow-cast reads; they stay text.
        let target = match target {
            DataType::Interval(_) | DataType::Duration(_) | DataType::Binary => DataType::Utf8,
            t => t,
        };
        let array: ArrayRef = if target == DataType::Utf8 {
            Arc::new(text)
        } else {
            cast_with_options(&text, &target, &options).map_err(|e| {
                Error::data_loss(format!(
                    "column {:?}: a JSON_ARRAY value does not parse as {target}: {e}",
                    column.name
                ))
            })?
        };
        fields.push(Field::new(&column.name, target, true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    if arrays.is_empty() {
        return RecordBatch::try_new_with_options(
            schema,
            arrays,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows.len())),
        )
        .map_err(|e| Error::internal(format!("could not build a record batch: {e}")));
    }
    RecordBatch::try_new(schema, arrays)
        .map_err(|e| Error::internal(format!("could not build a record batch: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;

    fn col(name: &str, type_name: &str) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            type_text: None,
            type_name: Some(type_name.into()),
            position: None,
            type_precision: None,
            type_scale: None,
            type_interval_type: None,
        }
    }

    #[test]
    fn types_values_and_rejects_garbage() {
        let cols = [col("id", "LONG"), col("s", "STRING")];
        let rows = vec![
            vec![Some("9007199254740993".to_string()), Some("a".to_string())],
            vec![None, None],
        ];
        let b = rows_to_batch(&cols, &rows).unwrap();
        assert_eq!(
            b.column(0).as_primitive::<Int64Type>().value(0),
            9007199254740993
        );
        assert!(b.column(1).is_null(1));
        let bad = vec![vec![Some("x".to_string()), None]];
        assert_eq!(
            rows_to_batch(&cols, &bad).unwrap_err().code,
            crate::ErrorCode::DataLoss
        );
    }
}
