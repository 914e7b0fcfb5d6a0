//! The kernel against the local warehouse, in process, over real HTTPS sockets. One test binary
//! (modules by area) so DataFusion is linked once.

mod auth;
mod common;
mod params;
mod results;
mod retries;
mod secrets;
mod statements;
