//! Typed user addresses: kernel code can carry them around but only uaccess can touch them.

use core::marker::PhantomData;

/// The address of a `T` in user memory (or, inside a kernel-pointer scope, kernel memory).
#[derive(Debug)]
pub struct UserPtr<T> {
    address: usize,
    _points_to: PhantomData<*mut T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for UserPtr<T> {}

impl<T> UserPtr<T> {
    /// Wraps an address received from user space; nothing is checked until it is used.
    pub const fn new(address: usize) -> Self {
        Self {
            address,
            _points_to: PhantomData,
        }
    }

    pub const fn address(self) -> usize {
        self.address
    }

    /// The pointer `count` elements further on (wrapping: uaccess rejects the result).
    pub const fn add(self, count: usize) -> Self {
        Self::new(
            self.address
                .wrapping_add(count.wrapping_mul(core::mem::size_of::<T>())),
        )
    }
}

/// A user buffer: address and length in bytes.
#[derive(Clone, Copy, Debug)]
pub struct UserSlice {
    pub start: UserPtr<u8>,
    pub len: usize,
}

impl UserSlice {
    pub const fn new(address: usize, len: usize) -> Self {
        Self {
            start: UserPtr::new(address),
            len,
        }
    }
}

/// A NUL-terminated string in user memory.
#[derive(Clone, Copy, Debug)]
pub struct UserCStr(pub UserPtr<u8>);

impl UserCStr {
    pub const fn new(address: usize) -> Self {
        Self(UserPtr::new(address))
    }
}
