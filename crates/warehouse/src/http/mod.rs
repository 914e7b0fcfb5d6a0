//! The HTTP face: routes of the Statement Execution API, OAuth, discovery, the blob route and
//! the admin knobs, the server (TLS, faults) they run in, and the state they share.

pub mod admin;
pub mod auth;
pub mod blob;
pub mod discovery;
pub mod oauth;
pub mod response;
pub mod router;
pub mod server;
pub mod session_routes;
pub mod state;
pub mod statement_routes;
pub mod thrift_gate;
pub mod tls;
