//! QEMU's ramfb display (`-device ramfb`): the guest picks memory and a mode and tells the
//! emulator through fw_cfg's "etc/ramfb" file, and the display scans out that memory.

use crate::qemu_fw_cfg::FwCfg;
use crate::{DisplayMode, DmaPage, Framebuffer, PixelFormat};

const CONFIG_FILE: &str = "etc/ramfb";
/// DRM_FORMAT_XRGB8888, "XR24": blue, green, red, unused in memory.
const FOURCC_XRGB8888: u32 = u32::from_le_bytes(*b"XR24");
const BYTES_PER_PIXEL: u32 = 4;

/// The configuration ramfb reads (QEMU's RAMFBCfg): all fields big-endian, packed.
fn config(address: u64, mode: DisplayMode, stride: u32) -> [u8; 28] {
    let mut bytes = [0; 28];
    bytes[0..8].copy_from_slice(&address.to_be_bytes());
    bytes[8..12].copy_from_slice(&FOURCC_XRGB8888.to_be_bytes());
    // 12..16: flags, none.
    bytes[16..20].copy_from_slice(&mode.width.to_be_bytes());
    bytes[20..24].copy_from_slice(&mode.height.to_be_bytes());
    bytes[24..28].copy_from_slice(&stride.to_be_bytes());
    bytes
}

/// Sets ramfb up to show `mode` from memory `allocate` gives, if QEMU has a ramfb.
pub fn set_up(
    fw_cfg: &FwCfg,
    mode: DisplayMode,
    allocate: &mut dyn FnMut(usize) -> Option<DmaPage>,
) -> Option<Framebuffer> {
    let file = fw_cfg.find(CONFIG_FILE)?;
    let stride = mode.width.checked_mul(BYTES_PER_PIXEL)?;
    let len = (stride as usize).checked_mul(mode.height as usize)?;
    let memory = allocate(len)?;
    fw_cfg
        .write(file, &config(memory.phys as u64, mode, stride))
        .then_some(Framebuffer {
            phys: memory.phys,
            len,
            width: mode.width,
            height: mode.height,
            stride,
            format: PixelFormat::Xrgb8888,
            name: "ramfb",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_big_endian_in_qemus_layout() {
        let mode = DisplayMode {
            width: 640,
            height: 480,
        };
        let bytes = config(0x4123_4000, mode, 2560);
        assert_eq!(bytes[..8], [0, 0, 0, 0, 0x41, 0x23, 0x40, 0]);
        assert_eq!(bytes[8..12], *b"42RX");
        assert_eq!(bytes[16..20], [0, 0, 2, 0x80]);
        assert_eq!(bytes[20..24], [0, 0, 1, 0xe0]);
        assert_eq!(bytes[24..28], [0, 0, 0x0a, 0]);
    }
}
