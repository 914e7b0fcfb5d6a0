//! The Thrift endpoint at the warehouse's `http_path`. The local warehouse speaks only the
//! Statement Execution API; Python's connector (4.9+) and JDBC (3.4+) try Thrift first in their
//! default mode and switch to that API when OpenSession is rejected with SQLSTATE `KP001`, as
//! Databricks' SQL gateway rejects it for warehouses without Thrift. So OpenSession gets that
//! rejection, and any other call a `TApplicationException`.
//!
//! Both clients use Thrift's binary protocol (strict framing) over HTTP POST; the answer is a
//! REPLY message carrying `OpenSession_result { 0: TOpenSessionResp }` with
//! `TOpenSessionResp { 1: TStatus, 2: serverProtocolVersion }` and
//! `TStatus { 1: statusCode = ERROR_STATUS, 3: sqlState, 5: errorMessage }`.

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const VERSION_1: u32 = 0x8001_0000;
const CALL: u8 = 1;
const REPLY: u8 = 2;
const EXCEPTION: u8 = 3;
const T_STOP: u8 = 0;
const T_I32: u8 = 8;
const T_STRING: u8 = 11;
const T_STRUCT: u8 = 12;
/// `TStatusCode.ERROR_STATUS`.
const ERROR_STATUS: i32 = 3;
/// `TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8`, what warehouses announce.
const PROTOCOL_V8: i32 = 0xA508;
/// `TApplicationException.UNKNOWN_METHOD`.
const UNKNOWN_METHOD: i32 = 1;

pub const REJECTION_SQLSTATE: &str = "KP001";
pub const REJECTION_MESSAGE: &str =
    "The Thrift protocol is not supported by this warehouse; use the SQL Statement Execution API.";

pub async fn handle(body: Bytes) -> Response {
    let Some((name, seqid)) = call_header(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            "Expected a Thrift binary-protocol call.",
        )
            .into_response();
    };
    let bytes = if name == "OpenSession" {
        open_session_rejection(seqid)
    } else {
        unknown_method(&name, seqid)
    };
    ([(header::CONTENT_TYPE, "application/x-thrift")], bytes).into_response()
}

/// The method name and sequence id of a strict binary-protocol CALL.
fn call_header(b: &[u8]) -> Option<(String, i32)> {
    let word = |at: usize| -> Option<u32> {
        b.get(at..at.checked_add(4)?)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    };
    let version = word(0)?;
    if version & 0xffff_0000 != VERSION_1 || (version & 0xff) as u8 != CALL {
        return None;
    }
    let end = 8usize.checked_add(word(4)? as usize)?;
    let name = std::str::from_utf8(b.get(8..end)?).ok()?.to_string();
    let seqid = word(end)? as i32;
    Some((name, seqid))
}

struct Writer(Vec<u8>);

impl Writer {
    fn message(name: &str, kind: u8, seqid: i32) -> Self {
        let mut w = Writer(Vec::with_capacity(256));
        w.u32(VERSION_1 | kind as u32);
        w.string(name);
        w.i32(seqid);
        w
    }

    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn string(&mut self, s: &str) {
        self.i32(s.len() as i32);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn field(&mut self, kind: u8, id: i16) {
        self.0.push(kind);
        self.0.extend_from_slice(&id.to_be_bytes());
    }

    fn stop(&mut self) {
        self.0.push(T_STOP);
    }
}

fn open_session_rejection(seqid: i32) -> Vec<u8> {
    let mut w = Writer::message("OpenSession", REPLY, seqid);
    w.field(T_STRUCT, 0); // success: TOpenSessionResp
    w.field(T_STRUCT, 1); // status: TStatus
    w.field(T_I32, 1);
    w.i32(ERROR_STATUS);
    w.field(T_STRING, 3);
    w.string(REJECTION_SQLSTATE);
    w.field(T_STRING, 5);
    w.string(REJECTION_MESSAGE);
    w.stop(); // end of TStatus
    w.field(T_I32, 2); // serverProtocolVersion
    w.i32(PROTOCOL_V8);
    w.stop(); // end of TOpenSessionResp
    w.stop(); // end of OpenSession_result
    w.0
}

fn unknown_method(name: &str, seqid: i32) -> Vec<u8> {
    let mut w = Writer::message(name, EXCEPTION, seqid);
    w.field(T_STRING, 1);
    w.string(&format!(
        "{name} is not available: this warehouse speaks the SQL Statement Execution API only."
    ));
    w.field(T_I32, 2);
    w.i32(UNKNOWN_METHOD);
    w.stop();
    w.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_call_header_and_rejects_garbage() {
        let mut call = Writer::message("OpenSession", CALL, 7);
        call.stop();
        assert_eq!(call_header(&call.0), Some(("OpenSession".to_string(), 7)));
        assert_eq!(call_header(b"GET / HTTP/1.1"), None);
        assert_eq!(
            call_header(&[0x80, 0x01, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff]),
            None
        );
    }
}
