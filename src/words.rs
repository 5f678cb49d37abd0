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

/// "2 of 3 chats free", or "2 chats free" when the total is not known: an agent's capacity,
/// worded one way wherever it shows (the picker, the confirmations, the command line), always
/// counting what is free rather than what is in use.
pub fn chats_free(free: u32, total: Option<u32>) -> String {
    let chats = |n: u32| if n == 1 { "chat" } else { "chats" };
    match total {
        Some(total) => format!("{free} of {total} {} free", chats(total)),
        None => format!("{free} {} free", chats(free)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_counts_what_is_free() {
        assert_eq!(chats_free(2, Some(3)), "2 of 3 chats free");
        assert_eq!(chats_free(0, Some(1)), "0 of 1 chat free");
        assert_eq!(chats_free(1, None), "1 chat free");
        assert_eq!(chats_free(4, None), "4 chats free");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(12), "12s");
        assert_eq!(short_duration(185), "3m05s");
        assert_eq!(short_duration(7800), "2h10m");
    }
}
