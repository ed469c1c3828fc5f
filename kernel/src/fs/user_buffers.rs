//! The user memory of one read or write: a single buffer, or readv/writev's list of them,
//! seen as one stream of bytes.

use crate::uaccess::{UserSlice, clear_user, copy_from_user, copy_to_user};
use alloc::vec::Vec;
use core::slice;

pub struct UserBuffers {
    slices: Slices,
}

/// A read or write's one buffer kept inline: the common case allocates nothing.
enum Slices {
    One(UserSlice),
    Many(Vec<UserSlice>),
}

impl UserBuffers {
    pub fn single(slice: UserSlice) -> Self {
        Self {
            slices: Slices::One(slice),
        }
    }

    pub fn vectored(slices: Vec<UserSlice>) -> Self {
        Self {
            slices: Slices::Many(slices),
        }
    }

    fn slices(&self) -> &[UserSlice] {
        match &self.slices {
            Slices::One(slice) => slice::from_ref(slice),
            Slices::Many(slices) => slices,
        }
    }

    /// Total bytes in the stream.
    pub fn len(&self) -> usize {
        self.slices().iter().map(|s| s.len).sum()
    }

    /// The parts of the slices covering stream bytes `[offset, offset + len)`.
    fn pieces(&self, mut offset: usize, mut len: usize) -> impl Iterator<Item = UserSlice> + '_ {
        self.slices().iter().filter_map(move |slice| {
            if offset >= slice.len {
                offset -= slice.len;
                return None;
            }
            let take = (slice.len - offset).min(len);
            let piece = UserSlice {
                start: slice.start.add(offset),
                len: take,
            };
            offset = 0;
            len -= take;
            (take > 0).then_some(piece)
        })
    }

    /// Applies `transfer` (which returns bytes NOT done) piece by piece from `offset`,
    /// stopping at the first fault; returns how many bytes were done.
    fn each_piece(
        &self,
        offset: usize,
        len: usize,
        mut transfer: impl FnMut(UserSlice, usize) -> usize,
    ) -> usize {
        let mut done = 0;
        for piece in self.pieces(offset, len) {
            let left = transfer(piece, done);
            done += piece.len - left;
            if left != 0 {
                break;
            }
        }
        done
    }

    /// Copies stream bytes from `offset` into `into`; returns how many arrived before a fault.
    pub fn read_at(&self, offset: usize, into: &mut [u8]) -> usize {
        self.each_piece(offset, into.len(), |piece, done| {
            copy_from_user(&mut into[done..done + piece.len], piece.start)
        })
    }

    /// Copies `bytes` into the stream at `offset`; returns how many landed before a fault.
    pub fn write_at(&self, offset: usize, bytes: &[u8]) -> usize {
        self.each_piece(offset, bytes.len(), |piece, done| {
            copy_to_user(piece.start, &bytes[done..done + piece.len])
        })
    }

    /// Zeroes `len` stream bytes from `offset`; returns how many were zeroed before a fault.
    pub fn clear_at(&self, offset: usize, len: usize) -> usize {
        self.each_piece(offset, len, |piece, _| clear_user(piece))
    }
}
