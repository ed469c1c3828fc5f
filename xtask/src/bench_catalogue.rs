//! What the benchmarks measure: every measurement the kernel's microbenchmarks (`ktest bench`)
//! and the user-space benchmark (`/bin/bench`) must print, and what each is compared with.

use crate::bench_lines::{Alignment, Key};

/// Buffer sizes of the copy and clear benchmarks, smallest first.
pub const COPY_SIZES: [u64; 5] = [8, 64, 256, 4096, 65536];
/// The kernel's plain copy and the uaccess routines measured at every size and alignment.
const SIZED_OPERATIONS: [&str; 6] = [
    "memcpy",
    "memset",
    "copy_from_user",
    "copy_to_user",
    "clear_user",
    "copy_from_kernel_pointers",
];
/// The other kernel measurements: operation and size, with aligned buffers.
const SINGLE_OPERATIONS: [(&str, u64); 5] = [
    ("get_user", 8),
    ("put_user", 8),
    ("strncpy_from_user", 16),
    ("strncpy_from_user", 255),
    ("pan_window_open_close", 0),
];
/// The user-space benchmark's measurements, in the order it prints them: operation and size.
const USER_OPERATIONS: [(&str, u64); 10] = [
    ("boot_to_first_instruction", 0),
    ("getpid", 0),
    ("read_dev_zero", 4096),
    ("write_dev_null", 4096),
    ("pipe_round_trip", 1),
    ("sched_yield_round_trip", 0),
    ("demand_zero_fault", 4096),
    ("shared_fault", 4096),
    ("fork_exit_wait", 0),
    ("execve", 0),
];
/// The user-space benchmark's measurements of swapping, made where it is given a swap area.
const SWAP_OPERATIONS: [(&str, u64); 1] = [("swap_in_fault", 4096)];
/// Operations whose cost grows with the bytes they move, so that a cost per byte means
/// something.
const PER_BYTE_OPERATIONS: [&str; 9] = [
    "memcpy",
    "memset",
    "copy_from_user",
    "copy_to_user",
    "clear_user",
    "copy_from_kernel_pointers",
    "strncpy_from_user",
    "read_dev_zero",
    "write_dev_null",
];

/// Every measurement `ktest bench` prints, in its order.
pub fn kernel_keys() -> Vec<Key> {
    let mut keys = Vec::new();
    for alignment in [Alignment::Aligned, Alignment::Misaligned] {
        for size in COPY_SIZES {
            for operation in SIZED_OPERATIONS {
                keys.push(Key::new(operation, size, Some(alignment)));
            }
        }
    }
    for (operation, size) in SINGLE_OPERATIONS {
        keys.push(Key::new(operation, size, Some(Alignment::Aligned)));
    }
    keys
}

/// Every measurement `/bin/bench` prints, with a swap area (`--swap`) or without.
pub fn user_keys(swapping: bool) -> Vec<Key> {
    let swap: &[(&str, u64)] = if swapping { &SWAP_OPERATIONS } else { &[] };
    USER_OPERATIONS
        .iter()
        .chain(swap)
        .map(|&(operation, size)| Key::new(operation, size, None))
        .collect()
}

/// The kernel's own routine that does the same work as `operation` without the user-memory
/// checks, the limit a uaccess routine is measured against: memcpy for a copy, memset for a
/// clear.
pub fn plain_counterpart(operation: &str) -> Option<&'static str> {
    match operation {
        "copy_from_user" | "copy_to_user" | "copy_from_kernel_pointers" => Some("memcpy"),
        "clear_user" => Some("memset"),
        _ => None,
    }
}

pub fn has_cost_per_byte(key: &Key) -> bool {
    key.size > 0 && PER_BYTE_OPERATIONS.contains(&key.operation.as_str())
}

/// The copy benchmarks the plot draws, per PAN mode, against `memcpy`.
pub const PLOTTED_COPY: &str = "copy_from_user";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_prints_sixty_five_measurements() {
        let keys = kernel_keys();
        assert_eq!(keys.len(), 2 * 5 * 6 + 5);
        assert_eq!(keys[0], Key::new("memcpy", 8, Some(Alignment::Aligned)));
        assert_eq!(
            keys.last().unwrap(),
            &Key::new("pan_window_open_close", 0, Some(Alignment::Aligned))
        );
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
    }

    #[test]
    fn copies_compare_with_memcpy_and_clears_with_memset() {
        assert_eq!(plain_counterpart("copy_to_user"), Some("memcpy"));
        assert_eq!(plain_counterpart("clear_user"), Some("memset"));
        assert_eq!(plain_counterpart("memcpy"), None);
        assert_eq!(plain_counterpart("get_user"), None);
    }

    #[test]
    fn only_byte_moving_operations_have_a_cost_per_byte() {
        assert!(has_cost_per_byte(&Key::new("read_dev_zero", 4096, None)));
        assert!(!has_cost_per_byte(&Key::new(
            "demand_zero_fault",
            4096,
            None
        )));
        assert!(!has_cost_per_byte(&Key::new(
            "pan_window_open_close",
            0,
            Some(Alignment::Aligned)
        )));
    }
}
