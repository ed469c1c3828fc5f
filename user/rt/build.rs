//! Relinks the programs when the linker script changes: cargo does not track link arguments,
//! but every program depends on this crate, so rebuilding it relinks them all.

fn main() {
    println!("cargo:rerun-if-changed=../link.ld");
}
