//! Faults in the pages of a large fresh buffer with one system call before it is written whole.
//!
//! A decoded chunk lands in memory fresh from the system, and each of its pages is mapped on
//! first write, one trap per page: 12-15% of the client's CPU samples while it fetched TPC-H
//! lineitem (profiled with perf). `MADV_POPULATE_WRITE` (Linux 5.14) maps the whole range in one
//! call: writing 30 fresh 37 MiB buffers took 580-630 ms with a trap per page against 410-460 ms
//! populated first (the 2-vCPU VM of docs/reliability-and-performance.md, section 4.2). The
//! contents do not change, so where the call is refused (an older kernel) or unavailable (other
//! systems) nothing is lost.

/// Below this the system call costs more than the traps it saves.
const WORTH_IT: usize = 1 << 20;

/// Maps every whole page of `buf` now, without changing what it holds.
pub(crate) fn prefault(buf: &mut [u8]) {
    populate(buf.as_mut_ptr(), buf.len());
}

/// Maps every whole page of `buf`'s room beyond its length (what `extend` will write into).
pub(crate) fn prefault_spare(buf: &mut Vec<u8>) {
    let spare = buf.spare_capacity_mut();
    populate(spare.as_mut_ptr().cast(), spare.len());
}

/// `ptr..ptr + len` must be memory the caller may write.
fn populate(ptr: *mut u8, len: usize) {
    if len >= WORTH_IT {
        populate_pages(ptr, len);
    }
}

#[cfg(target_os = "linux")]
fn populate_pages(ptr: *mut u8, len: usize) {
    // The Linux ABI value on every architecture (asm-generic/mman-common.h); older libc crates lack it.
    const MADV_POPULATE_WRITE: libc::c_int = 23;
    // 4 KiB on x86-64, but 16 or 64 KiB on some arm64 kernels, where a 4 KiB-aligned range
    // would be refused.
    // SAFETY: sysconf only reads a system setting.
    let page = match usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }) {
        Ok(page) if page.is_power_of_two() => page,
        _ => return,
    };
    let start = (ptr as usize).next_multiple_of(page);
    let end = (ptr as usize + len) / page * page;
    if end > start {
        // SAFETY: the range lies inside memory the caller borrows mutably; populating pages
        // maps them and leaves their contents as they are.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, MADV_POPULATE_WRITE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn populate_pages(_ptr: *mut u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::{prefault, prefault_spare};

    #[test]
    fn contents_are_kept_whatever_the_size_and_alignment() {
        for len in [0, 10, (1 << 20) + 4097, 3 << 20] {
            let mut buf: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for skip in [0, 1, 4095] {
                let tail = &mut buf[skip.min(len)..];
                prefault(tail);
            }
            assert!(buf.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
            let mut room = Vec::with_capacity(len);
            room.extend_from_slice(&buf[..len / 2]);
            prefault_spare(&mut room);
            room.extend_from_slice(&buf[len / 2..]);
            assert_eq!(room, buf);
        }
    }
}
