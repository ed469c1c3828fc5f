//! Links the kernel for the selected board: the linker script and the board's load address.

use bsp_drivers::Board;
use std::env;

fn main() {
    println!("cargo:rerun-if-changed=link.ld");
    embed_initramfs();
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("none") {
        return;
    }
    let boards = [
        (
            "CARGO_FEATURE_BOARD_RPI3",
            bsp_rpi3::Rpi3::INFO.load_address,
        ),
        (
            "CARGO_FEATURE_BOARD_RPI4",
            bsp_rpi4::Rpi4::INFO.load_address,
        ),
        (
            "CARGO_FEATURE_BOARD_RPI5",
            bsp_rpi5::Rpi5::INFO.load_address,
        ),
        (
            "CARGO_FEATURE_BOARD_VIRT",
            bsp_virt::Virt::INFO.load_address,
        ),
    ];
    let selected: Vec<usize> = boards
        .iter()
        .filter(|(feature, _)| env::var_os(feature).is_some())
        .map(|(_, load_address)| *load_address)
        .collect();
    let [load_address] = selected[..] else {
        panic!(
            "select exactly one board feature (board-rpi3, -rpi4, -rpi5 or -virt); use `cargo xtask build`"
        )
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/link.ld");
    println!("cargo:rustc-link-arg-bins=--defsym=__kernel_phys_base={load_address:#x}");
    println!("cargo:rustc-link-arg-bins=-T{script}");
}

/// Copies the archive named by KERNEL_INITRAMFS (set by the xtask) to where the kernel
/// includes it from; without one the kernel gets an empty archive.
fn embed_initramfs() {
    println!("cargo:rerun-if-env-changed=KERNEL_INITRAMFS");
    let out = std::path::PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.join("initramfs.cpio");
    match env::var_os("KERNEL_INITRAMFS") {
        Some(path) => {
            println!(
                "cargo:rerun-if-changed={}",
                std::path::Path::new(&path).display()
            );
            std::fs::copy(&path, &target).unwrap_or_else(|error| {
                panic!(
                    "KERNEL_INITRAMFS={}: {error}",
                    std::path::Path::new(&path).display()
                )
            });
        }
        None => std::fs::write(&target, []).expect("OUT_DIR is writable"),
    }
}
