//! `sluice-warehouse`: a local server that speaks the Databricks SQL Statement Execution API,
//! backed by Apache DataFusion. See README.md for the wire behaviour and the library API.

mod commit_gate;
mod config;
mod counters;
mod errors;
mod faults;
mod http;
mod ids;
mod links;
mod results;
mod sessions;
mod sql;
mod statements;
mod table_meta;
mod tokens;
mod user_tables;
mod warehouse;

pub use config::WarehouseConfig;
pub use counters::Counters;
pub use faults::{Fault, FaultKind, ROUTES};
pub use http::admin::Admin;
pub use warehouse::{StartError, Warehouse};
