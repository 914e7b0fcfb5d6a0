//! `sluice-warehouse`: a local server that speaks the Databricks SQL Statement Execution API,
//! backed by Apache DataFusion. See README.md for the wire behaviour and the library API.

mod admin;
mod arrow_out;
mod auth;
mod blob;
mod cast_overflow;
mod checked_arithmetic;
mod checked_sum;
mod config;
mod counters;
mod dialect;
mod engine;
mod errors;
mod faults;
mod ids;
mod json_rows;
mod metadata;
mod nested_types;
mod oauth;
mod output_names;
mod params;
mod range;
mod response;
mod results;
mod router;
mod server;
mod sessions;
mod sleep;
mod spark_functions;
mod spark_intervals;
mod spark_literals;
mod spark_names;
mod spark_parser;
mod sql_errors;
mod state;
mod statement_routes;
mod statements;
mod tls;
mod tpch;
mod types;
mod warehouse;

pub use admin::Admin;
pub use config::WarehouseConfig;
pub use counters::Counters;
pub use faults::{Fault, FaultKind, ROUTES};
pub use warehouse::{StartError, Warehouse};
