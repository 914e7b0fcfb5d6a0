//! sluice-kernel: a client of the Databricks SQL Statement Execution API. It knows nothing of
//! Node.js; the binding in `crates/node` adapts it.

mod auth;
pub mod codec;
mod config;
mod connection;
mod error;
pub mod export;
mod http;
mod prefault;
mod results;
mod retry;
mod secret;
mod session;
mod sql_error;
mod statement;
pub mod types;
pub mod wire;

pub use auth::{FetchedToken, TokenProvider};
pub use config::{AuthConfig, Config, PollConfig, ProxyConfig, ResultConfig};
pub use connection::Connection;
pub use error::{Error, ErrorCode, Result};
pub use results::{encode_ipc, BatchLayout, Chunk, IpcChunk, ResultMemory, StreamLayout};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use statement::{Disposition, ExecuteOptions, ResultFormat, ResultInfo, Statement};
