//! Ids are time-ordered UUIDs, shaped like the ones real warehouses hand out.

use crate::errors::ApiError;

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A malformed id is a 400, not a 404, as on real warehouses.
pub fn validate(id: &str, what: &str) -> Result<(), ApiError> {
    uuid::Uuid::try_parse(id)
        .map(|_| ())
        .map_err(|_| ApiError::InvalidParameter(format!("Invalid {what} id '{id}'.")))
}
