//! How the kernel enforces Privileged Access Never, chosen at boot.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PanMode {
    /// FEAT_PAN: PSTATE.PAN set at boot and by every exception entry.
    Hardware,
    /// No FEAT_PAN: TTBR0 switching.
    Software,
    /// TTBR0 switching on a CPU that has FEAT_PAN (`pan=software` on the command line).
    ForcedSoftware,
    /// No protection (`pan=off`), for measuring what PAN costs.
    Off,
}

impl PanMode {
    /// The mode for a CPU with or without FEAT_PAN, given the `pan=` command-line value.
    pub fn choose(cpu_has_pan: bool, requested: Option<&str>) -> Self {
        match (requested, cpu_has_pan) {
            (Some("off"), _) => Self::Off,
            (_, false) => Self::Software,
            (Some("software"), true) => Self::ForcedSoftware,
            (_, true) => Self::Hardware,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Hardware => "hardware",
            Self::Software => "software",
            Self::ForcedSoftware => "forced-software",
            Self::Off => "off",
        }
    }

    /// Whether uaccess must install the user's table around each access.
    pub fn switches_ttbr0(self) -> bool {
        matches!(self, Self::Software | Self::ForcedSoftware)
    }

    #[cfg_attr(
        not(any(test, feature = "ktest")),
        allow(dead_code, reason = "only the tests ask which mode runs")
    )]
    pub fn from_raw(raw: u8) -> Self {
        [
            Self::Hardware,
            Self::Software,
            Self::ForcedSoftware,
            Self::Off,
        ][raw as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::PanMode;

    #[test]
    fn hardware_when_present_software_when_not() {
        assert_eq!(PanMode::choose(true, None), PanMode::Hardware);
        assert_eq!(PanMode::choose(false, None), PanMode::Software);
        assert_eq!(PanMode::choose(false, Some("software")), PanMode::Software);
    }

    #[test]
    fn command_line_forces_software_or_off() {
        assert_eq!(
            PanMode::choose(true, Some("software")),
            PanMode::ForcedSoftware
        );
        assert_eq!(PanMode::choose(true, Some("off")), PanMode::Off);
        assert_eq!(PanMode::choose(false, Some("off")), PanMode::Off);
        assert_eq!(PanMode::choose(true, Some("bogus")), PanMode::Hardware);
    }

    #[test]
    fn names_and_raw_values_round_trip() {
        for mode in [
            PanMode::Hardware,
            PanMode::Software,
            PanMode::ForcedSoftware,
            PanMode::Off,
        ] {
            assert_eq!(PanMode::from_raw(mode as u8), mode);
        }
        assert_eq!(PanMode::ForcedSoftware.name(), "forced-software");
        assert!(PanMode::ForcedSoftware.switches_ttbr0());
        assert!(!PanMode::Hardware.switches_ttbr0());
    }
}
