//! Downloaded or inline bytes declared LZ4: decode or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sluice_kernel::codec::lz4_frames(data);
});
