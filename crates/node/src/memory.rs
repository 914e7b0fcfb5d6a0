//! The JS engine's count of memory held outside its heap, which schedules full garbage
//! collections as it grows.

use napi::{Env, Result};
use napi_derive::napi;

/// Adds `delta` bytes (negative: removes them) to the engine's external memory count and returns
/// the new count. Chunk Buffers are counted when they are created; a caller that keeps every chunk
/// anyway can take them out of the count while it collects them and add them back at once.
#[napi]
pub fn adjust_external_memory(env: Env, delta: i64) -> Result<i64> {
    env.adjust_external_memory(delta)
}
