//! config.txt, the settings the Raspberry Pi firmware reads before it starts the kernel: 64-bit
//! mode, which file to load and where, and the UART of the kernel's console, each with a comment
//! saying why.

use crate::raspberry_pi::RaspberryPi;

/// One `key=value` line and the comment above it.
struct Setting {
    why: &'static str,
    key: &'static str,
    value: String,
}

/// The whole file for `pi`.
pub fn config_txt(pi: RaspberryPi) -> String {
    let mut text = format!(
        "# config.txt for the {} board ({}), written by `cargo xtask image`.\n\
         # The firmware reads it before it starts the kernel; docs/hardware.md explains the card.\n",
        pi.board().name(),
        pi.models()
    );
    for setting in settings(pi) {
        text += &format!("\n# {}\n{}={}\n", setting.why, setting.key, setting.value);
    }
    text
}

fn settings(pi: RaspberryPi) -> Vec<Setting> {
    let setting = |why, key, value: &str| Setting {
        why,
        key,
        value: value.to_owned(),
    };
    let mut settings = vec![
        setting(
            "Start the cores in AArch64 state: the kernel is a 64-bit image.",
            "arm_64bit",
            "1",
        ),
        setting("The kernel image on this card.", "kernel", pi.kernel_file()),
        setting(
            "Load it where it is linked to run, above the firmware's spin tables (the firmware's\n\
             # own default differs between its versions).",
            "kernel_address",
            &format!("{:#x}", pi.board().load_address()),
        ),
        setting(
            "Enable the UART of the kernel's console (115200 8N1).",
            "enable_uart",
            "1",
        ),
    ];
    let gpio_uart_clock = match pi {
        RaspberryPi::Pi3 => Some(bsp_rpi3::UART_CLOCK_HZ),
        RaspberryPi::Pi4 => Some(bsp_rpi4::UART_CLOCK_HZ),
        // The Pi 5's console is the debug connector's own UART, which Bluetooth never uses; the
        // firmware sets it up and the kernel keeps its settings.
        RaspberryPi::Pi5 => None,
    };
    if let Some(clock) = gpio_uart_clock {
        settings.push(setting(
            "Give the PL011 (UART0) to GPIO 14/15 instead of Bluetooth. The firmware applies it\n\
             # where the card has the device tree and overlays/ (a Raspberry Pi OS card does); the\n\
             # kernel routes GPIO 14/15 to the PL011 itself either way.",
            "dtoverlay",
            "disable-bt",
        ));
        settings.push(setting(
            "The PL011's reference clock, from which the kernel computes its 115200 baud divisor.",
            "init_uart_clock",
            &clock.to_string(),
        ));
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `key=value` lines, without comments and blank lines.
    fn setting_lines(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    }

    #[test]
    fn pi_3_and_4_load_kernel8_and_route_the_pl011_to_gpio_14_15() {
        for pi in [RaspberryPi::Pi3, RaspberryPi::Pi4] {
            assert_eq!(
                setting_lines(&config_txt(pi)),
                [
                    "arm_64bit=1",
                    "kernel=kernel8.img",
                    "kernel_address=0x80000",
                    "enable_uart=1",
                    "dtoverlay=disable-bt",
                    "init_uart_clock=48000000"
                ]
            );
        }
    }

    #[test]
    fn pi_5_loads_kernel_2712_and_leaves_its_debug_uart_alone() {
        assert_eq!(
            setting_lines(&config_txt(RaspberryPi::Pi5)),
            [
                "arm_64bit=1",
                "kernel=kernel_2712.img",
                "kernel_address=0x80000",
                "enable_uart=1"
            ]
        );
    }

    #[test]
    fn every_setting_has_a_comment_above_it() {
        let text = config_txt(RaspberryPi::Pi4);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("rpi4 board (Raspberry Pi 4B, 400, CM4)"));
        for (index, line) in lines.iter().enumerate() {
            if !line.is_empty() && !line.starts_with('#') {
                assert!(lines[index - 1].starts_with("# "), "{line} has no comment");
            }
        }
    }
}
