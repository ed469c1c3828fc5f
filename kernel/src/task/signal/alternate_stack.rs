//! The alternate signal stack (sigaltstack) and its `stack_t` form in user memory.

use crate::errno::{EINVAL, ENOMEM, EPERM, Errno};

/// `ss_flags` bits.
const SS_ONSTACK: i32 = 1;
const SS_DISABLE: i32 = 2;
const SS_AUTODISARM: i32 = 1 << 31;
/// The smallest alternate stack accepted: arm64's MINSIGSTKSZ, room for one signal frame.
const MIN_SIZE: usize = 5120;
/// Bytes of a `stack_t`: ss_sp, ss_flags (padded), ss_size.
pub const STACK_T_SIZE: usize = 24;

/// Where handlers with SA_ONSTACK run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlternateStack {
    pub base: usize,
    pub size: usize,
    /// SS_AUTODISARM: disabled while a handler runs on it.
    pub auto_disarm: bool,
}

impl AlternateStack {
    /// Whether `sp` is on this stack (Linux's on_sig_stack: the top counts, the base does not).
    pub fn contains(&self, sp: usize) -> bool {
        sp > self.base && sp - self.base <= self.size
    }

    /// One past the highest byte, where frames pushed on it start.
    pub fn top(&self) -> usize {
        self.base + self.size
    }
}

/// `stack_t` as sigaltstack and the signal frame's `uc_stack` report it for a thread whose
/// stack pointer is `sp`.
pub fn encode(stack: Option<AlternateStack>, sp: usize) -> [u8; STACK_T_SIZE] {
    let (base, size, flags) = match stack {
        None => (0, 0, SS_DISABLE),
        Some(stack) => {
            let on = if stack.contains(sp) { SS_ONSTACK } else { 0 };
            let disarm = if stack.auto_disarm { SS_AUTODISARM } else { 0 };
            (stack.base, stack.size, on | disarm)
        }
    };
    let mut bytes = [0u8; STACK_T_SIZE];
    bytes[..8].copy_from_slice(&(base as u64).to_le_bytes());
    bytes[8..12].copy_from_slice(&flags.to_le_bytes());
    bytes[16..].copy_from_slice(&(size as u64).to_le_bytes());
    bytes
}

/// The stack a `stack_t` asks for, as sigaltstack checks it for a thread whose stack pointer
/// is `sp` and whose stack now is `current`.
pub fn decode(
    bytes: &[u8; STACK_T_SIZE],
    current: Option<AlternateStack>,
    sp: usize,
) -> Result<Option<AlternateStack>, Errno> {
    let word = |range: core::ops::Range<usize>| {
        u64::from_le_bytes(bytes[range].try_into().expect("8 bytes")) as usize
    };
    let flags = i32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if current.is_some_and(|stack| stack.contains(sp)) {
        return Err(EPERM);
    }
    let auto_disarm = flags & SS_AUTODISARM != 0;
    match flags & !SS_AUTODISARM {
        SS_DISABLE => Ok(None),
        // SS_ONSTACK is accepted as a synonym of 0, for old programs.
        0 | SS_ONSTACK => {
            let size = word(16..24);
            if size < MIN_SIZE {
                return Err(ENOMEM);
            }
            Ok(Some(AlternateStack {
                base: word(0..8),
                size,
                auto_disarm,
            }))
        }
        _ => Err(EINVAL),
    }
}
