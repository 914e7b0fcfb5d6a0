//! A result chunk of any bytes: decoded Arrow or a typed DataLoss error, never a panic out of
//! the kernel.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

static QUIET: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // arrow-ipc panics on some malformed streams; Chunk::from_ipc catches those and answers
    // DataLoss. libFuzzer's hook would abort on the caught panic too, so it is silenced: a panic
    // that escapes from_ipc still unwinds into the harness and fails the run.
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = sluice_kernel::Chunk::from_ipc(0, data.to_vec());
});
