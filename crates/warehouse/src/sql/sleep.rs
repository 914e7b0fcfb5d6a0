//! `sleep(seconds)`: a test helper (not a Databricks function) that makes a statement run for
//! a while without burning CPU, so clients can observe PENDING/RUNNING, time out and cancel.
//! It is async, so cancelling the statement stops the wait at once.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use arrow_schema::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::async_udf::{AsyncScalarUDF, AsyncScalarUDFImpl};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// Longest sleep accepted, so a typo cannot park a statement for hours.
const MAX_SECS: f64 = 300.0;

#[derive(Debug, PartialEq, Eq, Hash)]
struct Sleep {
    signature: Signature,
}

pub fn udf() -> ScalarUDF {
    AsyncScalarUDF::new(std::sync::Arc::new(Sleep {
        signature: Signature::uniform(1, vec![DataType::Float64], Volatility::Volatile),
    }))
    .into_scalar_udf()
}

impl ScalarUDFImpl for Sleep {
    fn name(&self) -> &str {
        "sleep"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        exec_err!("sleep() can only be evaluated asynchronously")
    }
}

impl AsyncScalarUDFImpl for Sleep {
    fn invoke_async_with_args<'a, 'b>(
        &'a self,
        args: ScalarFunctionArgs,
    ) -> Pin<Box<dyn Future<Output = Result<ColumnarValue>> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            let secs = match args.args.first() {
                Some(ColumnarValue::Scalar(ScalarValue::Float64(Some(s)))) => *s,
                _ => return exec_err!("sleep(seconds) needs a constant number of seconds"),
            };
            if !(0.0..=MAX_SECS).contains(&secs) {
                return exec_err!("sleep(seconds) takes 0 to {MAX_SECS} seconds");
            }
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
        })
    }
}
