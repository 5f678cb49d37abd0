//! Amounts in the few characters every output gives them. A wait, an age or a countdown reads
//! the same in the console, on the command line and in what is said of the platform's data, so
//! the words live here, beneath all of them.

/// "45s", "3m05s", "2h10m".
pub fn short_duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(12), "12s");
        assert_eq!(short_duration(185), "3m05s");
        assert_eq!(short_duration(7800), "2h10m");
    }
}
