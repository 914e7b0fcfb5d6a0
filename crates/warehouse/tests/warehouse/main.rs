//! The warehouse over real HTTPS sockets, in process (and its binary, spawned). One test binary
//! (modules by area) so DataFusion is linked once.

mod admin;
mod basics;
mod binary;
mod cancel;
mod column_defaults;
mod column_names;
mod common;
mod lifecycle;
mod links;
mod oauth;
mod replay;
mod spark_habits;
mod sql;
mod tpch;
mod types;
