//! Linux error numbers (include/uapi/asm-generic/errno-base.h): what system calls return, negated.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

pub const E2BIG: Errno = Errno(7);
pub const ENOMEM: Errno = Errno(12);
pub const EFAULT: Errno = Errno(14);
pub const EEXIST: Errno = Errno(17);
pub const EINVAL: Errno = Errno(22);
