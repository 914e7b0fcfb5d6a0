//! Serde models of the Statement Execution API bodies (protocol.md §2-§3, §7). Every field the
//! server may omit is optional; unknown fields are ignored so newer servers keep working.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

#[derive(Debug, Serialize)]
pub struct CreateSessionRequest<'a> {
    pub warehouse_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub session_confs: &'a BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct CreateSessionResponse {
    pub session_id: Option<String>,
}

/// One statement parameter as sent on the wire: `value` is always text (or absent for NULL).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParameterItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<u32>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A tag of one statement, shown in the query history (`query_tags` of the request).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueryTag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct ExecuteRequest<'a> {
    pub statement: &'a str,
    pub warehouse_id: &'a str,
    pub session_id: &'a str,
    pub disposition: &'a str,
    pub format: &'a str,
    pub wait_timeout: String,
    pub on_wait_timeout: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_compression: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_limit: Option<i64>,
    #[serde(skip_serializing_if = "<[ParameterItem]>::is_empty")]
    pub parameters: &'a [ParameterItem],
    #[serde(skip_serializing_if = "<[QueryTag]>::is_empty")]
    pub query_tags: &'a [QueryTag],
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum StatementState {
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Closed,
    /// A state this driver does not know, kept by name for the error that reports it.
    Unknown(String),
}

impl From<String> for StatementState {
    fn from(state: String) -> Self {
        use StatementState::*;
        [Pending, Running, Succeeded, Failed, Canceled, Closed]
            .into_iter()
            .find(|known| known.name() == state)
            .unwrap_or(Unknown(state))
    }
}

impl StatementState {
    /// The state's name on the wire.
    pub fn name(&self) -> &str {
        match self {
            StatementState::Pending => "PENDING",
            StatementState::Running => "RUNNING",
            StatementState::Succeeded => "SUCCEEDED",
            StatementState::Failed => "FAILED",
            StatementState::Canceled => "CANCELED",
            StatementState::Closed => "CLOSED",
            StatementState::Unknown(name) => name,
        }
    }

    pub fn is_terminal(&self) -> bool {
        !matches!(self, StatementState::Pending | StatementState::Running)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceError {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatementStatus {
    pub state: StatementState,
    #[serde(default)]
    pub error: Option<ServiceError>,
    #[serde(default)]
    pub sql_state: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatementResponse {
    pub statement_id: String,
    pub status: StatementStatus,
    #[serde(default)]
    pub manifest: Option<Manifest>,
    #[serde(default)]
    pub result: Option<ResultData>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub schema: Option<ManifestSchema>,
    #[serde(default)]
    pub total_chunk_count: Option<i64>,
    #[serde(default)]
    pub chunks: Option<Vec<ChunkInfo>>,
    #[serde(default)]
    pub total_row_count: Option<i64>,
    #[serde(default)]
    pub total_byte_count: Option<i64>,
    #[serde(default)]
    pub truncated: Option<bool>,
    #[serde(default)]
    pub result_compression: Option<String>,
    #[serde(default)]
    pub is_volume_operation: Option<bool>,
}

impl Manifest {
    /// Decompression is decided by the manifest, never by what was requested (protocol.md §3.3).
    pub fn is_lz4(&self) -> bool {
        self.result_compression.as_deref() == Some("LZ4_FRAME")
    }

    pub fn columns(&self) -> &[ColumnInfo] {
        self.schema
            .as_ref()
            .and_then(|s| s.columns.as_deref())
            .unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestSchema {
    #[serde(default)]
    pub column_count: Option<i64>,
    #[serde(default)]
    pub columns: Option<Vec<ColumnInfo>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    #[serde(default)]
    pub type_text: Option<String>,
    #[serde(default)]
    pub type_name: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub type_precision: Option<i64>,
    #[serde(default)]
    pub type_scale: Option<i64>,
    #[serde(default)]
    pub type_interval_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChunkInfo {
    pub chunk_index: i64,
    #[serde(default)]
    pub row_offset: Option<i64>,
    #[serde(default)]
    pub row_count: Option<i64>,
    #[serde(default)]
    pub byte_count: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResultData {
    #[serde(default)]
    pub chunk_index: Option<i64>,
    #[serde(default)]
    pub row_offset: Option<i64>,
    #[serde(default)]
    pub row_count: Option<i64>,
    #[serde(default)]
    pub byte_count: Option<i64>,
    #[serde(default)]
    pub next_chunk_index: Option<i64>,
    #[serde(default)]
    pub next_chunk_internal_link: Option<String>,
    #[serde(default)]
    pub data_array: Option<Vec<Vec<Option<String>>>>,
    #[serde(default)]
    pub attachment: Option<String>,
    #[serde(default)]
    pub external_links: Option<Vec<ExternalLink>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ExternalLink {
    pub chunk_index: i64,
    #[serde(default)]
    pub row_offset: Option<i64>,
    #[serde(default)]
    pub row_count: Option<i64>,
    #[serde(default)]
    pub byte_count: Option<i64>,
    #[serde(deserialize_with = "secret_string")]
    pub external_link: Secret,
    #[serde(default)]
    pub expiration: Option<String>,
    #[serde(default, deserialize_with = "secret_headers")]
    pub http_headers: BTreeMap<String, Secret>,
    #[serde(default)]
    pub next_chunk_index: Option<i64>,
    #[serde(default)]
    pub next_chunk_internal_link: Option<String>,
}

/// The platform error object of a non-2xx answer. Legacy endpoints put the HTTP status as an
/// integer in `error_code`; that is kept apart so callers can treat it as absent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlatformError {
    #[serde(default)]
    pub error_code: Option<serde_json::Value>,
    #[serde(default)]
    pub message: Option<String>,
}

impl PlatformError {
    pub fn code_str(&self) -> Option<&str> {
        self.error_code.as_ref().and_then(|v| v.as_str())
    }

    pub fn code_int(&self) -> Option<i64> {
        self.error_code.as_ref().and_then(|v| v.as_i64())
    }
}

/// OAuth token endpoint answer.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

fn secret_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

fn secret_headers<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Secret>, D::Error> {
    let raw = Option::<BTreeMap<String, String>>::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, Secret::new(v)))
        .collect())
}
