//! sluice-node: the thin N-API binding of the sluice kernel. Every item adapts arguments, calls
//! the kernel, and adapts the result or error; no HTTP or protocol logic lives here.

mod connection;
mod error;
mod export;
mod memory;
mod options;
mod statement;
mod token_provider;

pub use connection::{connect, NativeConnection};
pub use export::NativeExport;
pub use memory::adjust_external_memory;
pub use statement::NativeStatement;
