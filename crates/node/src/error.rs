//! Kernel errors cross to JavaScript as one envelope: a stable prefix followed by JSON of the
//! error's fields, decoded by a single TypeScript function (async functions can only reject with
//! a status and a message).

use serde::Serialize;
use sluice_kernel::Error;

pub const ENVELOPE_PREFIX: &str = "SLUICE_ERROR:";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    code: &'a str,
    message: &'a str,
    sql_state: Option<&'a str>,
    error_class: Option<&'a str>,
    statement_id: Option<&'a str>,
    http_status: Option<u16>,
    retryable: bool,
    vendor_code: Option<&'a str>,
    causes: &'a [String],
}

pub fn to_napi(error: Error) -> napi::Error {
    let envelope = Envelope {
        code: error.code.as_str(),
        message: &error.message,
        sql_state: error.sql_state.as_deref(),
        error_class: error.error_class.as_deref(),
        statement_id: error.statement_id.as_deref(),
        http_status: error.http_status,
        retryable: error.retryable,
        vendor_code: error.vendor_code.as_deref(),
        causes: &error.causes,
    };
    let json = serde_json::to_string(&envelope)
        .unwrap_or_else(|_| format!("{{\"code\":\"Internal\",\"message\":{:?}}}", error.message));
    napi::Error::from_reason(format!("{ENVELOPE_PREFIX}{json}"))
}

pub trait IntoNapi<T> {
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for sluice_kernel::Result<T> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}
