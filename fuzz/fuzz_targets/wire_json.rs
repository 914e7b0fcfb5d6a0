//! API answers of any shape must parse or fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_kernel::wire::{CreateSessionResponse, PlatformError, ResultData, StatementResponse, TokenResponse};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<StatementResponse>(data);
    let _ = serde_json::from_slice::<ResultData>(data);
    let _ = serde_json::from_slice::<PlatformError>(data);
    let _ = serde_json::from_slice::<CreateSessionResponse>(data);
    let _ = serde_json::from_slice::<TokenResponse>(data);
});
