//! Links the chainloader with its own linker script, to run at the protocol's
//! `CHAINLOADER_ADDRESS`.

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=link.ld");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("none") {
        return;
    }
    let address = chainloader_protocol::CHAINLOADER_ADDRESS;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/link.ld");
    println!("cargo:rustc-link-arg-bins=--defsym=__chainloader_address={address:#x}");
    println!("cargo:rustc-link-arg-bins=-T{script}");
}
