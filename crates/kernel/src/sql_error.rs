//! Turns a FAILED statement status into a typed error: SQLSTATE from `status.sql_state`, else
//! parsed from `SQLSTATE: xxxxx` in the message (older servers); the error class from the
//! leading `[CLASS]`.

use crate::error::{Error, ErrorCode};
use crate::wire::StatementStatus;

pub(crate) fn statement_failure(statement_id: &str, status: &StatementStatus) -> Error {
    let (vendor, message) = status
        .error
        .as_ref()
        .map(|e| (e.error_code.clone(), e.message.clone().unwrap_or_default()))
        .unwrap_or((None, String::new()));
    let message = message.trim().to_string();
    let sql_state = status.sql_state.clone().or_else(|| sqlstate_in(&message));
    let error_class = error_class_in(&message);
    let code = match vendor.as_deref() {
        Some("CANCELLED") => ErrorCode::Cancelled,
        Some("DEADLINE_EXCEEDED") => ErrorCode::Timeout,
        Some("TEMPORARILY_UNAVAILABLE")
        | Some("SERVICE_UNDER_MAINTENANCE")
        | Some("WORKSPACE_TEMPORARILY_UNAVAILABLE") => ErrorCode::Unavailable,
        Some("RESOURCE_EXHAUSTED") => ErrorCode::ResourceExhausted,
        Some("PERMISSION_DENIED") => ErrorCode::PermissionDenied,
        Some("UNAUTHENTICATED") => ErrorCode::Unauthenticated,
        Some("INTERNAL_ERROR") => ErrorCode::Internal,
        _ => ErrorCode::SqlError,
    };
    let text = if message.is_empty() {
        "the statement failed without a message".to_string()
    } else {
        message
    };
    let mut e = Error::new(code, text).with_statement_id(statement_id);
    e.sql_state = sql_state;
    e.error_class = error_class;
    e.vendor_code = vendor;
    e
}

fn sqlstate_in(message: &str) -> Option<String> {
    let pos = message.find("SQLSTATE: ")?;
    let state: String = message[pos + 10..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (state.len() == 5).then_some(state)
}

fn error_class_in(message: &str) -> Option<String> {
    let rest = message.trim_start().strip_prefix('[')?;
    let end = rest.find(']')?;
    let class = &rest[..end];
    let valid = !class.is_empty()
        && class
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.');
    valid.then(|| class.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ServiceError, StatementState};

    #[test]
    fn parses_class_and_state_from_a_recorded_message() {
        let status = StatementStatus {
            state: StatementState::Failed,
            error: Some(ServiceError {
                error_code: Some("BAD_REQUEST".into()),
                message: Some("\n[PARSE_SYNTAX_ERROR] Syntax error at or near 'INSER'. SQLSTATE: 42601 (line 1, pos 0)\n".into()),
            }),
            sql_state: None,
        };
        let e = statement_failure("s1", &status);
        assert_eq!(e.code, ErrorCode::SqlError);
        assert_eq!(e.sql_state.as_deref(), Some("42601"));
        assert_eq!(e.error_class.as_deref(), Some("PARSE_SYNTAX_ERROR"));
        assert_eq!(e.vendor_code.as_deref(), Some("BAD_REQUEST"));
        assert_eq!(e.statement_id.as_deref(), Some("s1"));
    }
}
