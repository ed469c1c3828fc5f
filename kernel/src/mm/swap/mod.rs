//! Swap: pages of private memory written to disk partitions when free frames run low, and
//! read back when touched (docs/memory.md).

#[cfg(target_os = "none")]
pub mod areas;
pub mod header;
#[cfg(target_os = "none")]
pub mod reclaim;
