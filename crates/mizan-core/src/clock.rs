//! Wall-clock time in the unit the protocol uses (MWT `iat`/`exp`).

/// Current Unix time in whole seconds (0 if the system clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
