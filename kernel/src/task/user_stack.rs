//! The initial user stack in the Linux AArch64 layout: argc, argv, envp and the auxiliary
//! vector, with the strings and AT_RANDOM's 16 bytes above them.
//!
//! ```text
//! top ->  strings (argv, envp), random bytes, padding
//!         AT_NULL, auxv pairs ...
//!         NULL, envp[n-1] .. envp[0]
//!         NULL, argv[n-1] .. argv[0]
//! sp  ->  argc                          (16-byte aligned)
//! ```

use alloc::vec;
use alloc::vec::Vec;

pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_RANDOM: u64 = 25;

/// The stack's contents, to be copied so that its last byte is just below `top`.
pub struct StackImage {
    /// The initial stack pointer (where argc is).
    pub sp: usize,
    pub bytes: Vec<u8>,
}

/// Lays out the stack ending at `top` (16-byte aligned). `auxv` excludes AT_RANDOM and
/// AT_NULL, which are added here.
pub fn build(
    top: usize,
    argv: &[&[u8]],
    envp: &[&[u8]],
    auxv: &[(u64, u64)],
    random: [u8; 16],
) -> StackImage {
    // Strings and random bytes, from the top down.
    let mut strings = Vec::new();
    let mut string_offsets = Vec::new();
    for string in argv.iter().chain(envp) {
        string_offsets.push(strings.len());
        strings.extend_from_slice(string);
        strings.push(0);
    }
    let random_offset = strings.len();
    strings.extend_from_slice(&random);
    let strings_size = strings.len().next_multiple_of(16);
    let strings_base = top - strings_size;

    let mut words = vec![argv.len() as u64];
    let address_of = |i: usize| (strings_base + string_offsets[i]) as u64;
    words.extend((0..argv.len()).map(address_of));
    words.push(0);
    words.extend((argv.len()..argv.len() + envp.len()).map(address_of));
    words.push(0);
    for &(key, value) in auxv.iter().chain(&[
        (AT_RANDOM, (strings_base + random_offset) as u64),
        (AT_NULL, 0),
    ]) {
        words.extend([key, value]);
    }
    if words.len() % 2 == 1 {
        words.push(0);
    }
    let sp = strings_base - words.len() * 8;
    let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    bytes.extend_from_slice(&strings);
    bytes.resize(top - sp, 0);
    StackImage { sp, bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(image: &StackImage, address: usize) -> u64 {
        let offset = address - image.sp;
        u64::from_le_bytes(image.bytes[offset..offset + 8].try_into().unwrap())
    }

    fn string(image: &StackImage, address: u64) -> &[u8] {
        let offset = address as usize - image.sp;
        let len = image.bytes[offset..].iter().position(|&b| b == 0).unwrap();
        &image.bytes[offset..offset + len]
    }

    #[test]
    fn linux_layout() {
        let top = 0x7fff_0000;
        let image = build(
            top,
            &[b"/bin/sh", b"-c"],
            &[b"PATH=/bin"],
            &[(AT_PAGESZ, 4096)],
            [7; 16],
        );
        assert_eq!(image.sp % 16, 0);
        assert_eq!(image.sp + image.bytes.len(), top);
        assert_eq!(word(&image, image.sp), 2);
        assert_eq!(string(&image, word(&image, image.sp + 8)), b"/bin/sh");
        assert_eq!(string(&image, word(&image, image.sp + 16)), b"-c");
        assert_eq!(word(&image, image.sp + 24), 0);
        assert_eq!(string(&image, word(&image, image.sp + 32)), b"PATH=/bin");
        assert_eq!(word(&image, image.sp + 40), 0);
        assert_eq!(
            (word(&image, image.sp + 48), word(&image, image.sp + 56)),
            (AT_PAGESZ, 4096)
        );
        assert_eq!(word(&image, image.sp + 64), AT_RANDOM);
        let random = word(&image, image.sp + 72) as usize - image.sp;
        assert_eq!(&image.bytes[random..random + 16], &[7; 16]);
        assert_eq!(
            (word(&image, image.sp + 80), word(&image, image.sp + 88)),
            (AT_NULL, 0)
        );
    }

    #[test]
    fn aligned_for_any_argument_count() {
        for count in 0..6 {
            let args: Vec<&[u8]> = (0..count).map(|_| &b"x"[..]).collect();
            let image = build(0x1000_0000, &args, &[], &[], [0; 16]);
            assert_eq!(image.sp % 16, 0, "{count} arguments");
            assert_eq!(word(&image, image.sp), count as u64);
        }
    }
}
