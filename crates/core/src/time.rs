//! Wall-clock time as whole seconds since the Unix epoch, the unit of every JWT claim.

use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since 1970-01-01T00:00:00Z (RFC 7519 §2 "NumericDate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// The current time from the system clock.
    pub fn now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        UnixTime(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    /// This time plus a duration, saturating.
    pub fn plus(self, d: Duration) -> Self {
        let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        UnixTime(self.0.saturating_add(secs))
    }

    /// Seconds from `self` until `later`, zero when `later` is not later.
    pub fn until(self, later: UnixTime) -> Duration {
        Duration::from_secs(u64::try_from(later.0.saturating_sub(self.0)).unwrap_or(0))
    }
}

/// Where time comes from. Everything that reads the time takes a clock, so tests move
/// time instead of sleeping (code expiry, session timeouts, back-off, calendar days).
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> UnixTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::now()
    }
}

/// A clock that stands still until told to move: for tests.
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    /// A clock showing `start`.
    pub fn at(start: UnixTime) -> Self {
        ManualClock(std::sync::atomic::AtomicI64::new(start.0))
    }

    /// Moves it forward.
    pub fn advance(&self, d: Duration) {
        let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        UnixTime(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// The day in Sweden (Europe/Stockholm) that `t` falls on: the unit of rules like "at
/// most five SMS codes a day, then blocked until the next day".
pub fn stockholm_date(t: UnixTime) -> jiff::civil::Date {
    stockholm(t).date()
}

/// The Swedish date of `t` as `(year, month, day)`, the form
/// [`crate::identity::Personnummer::parse`] takes for its century.
pub fn stockholm_ymd(t: UnixTime) -> (u32, u32, u32) {
    let d = stockholm_date(t);
    let n = |v: i8| u32::try_from(v).unwrap_or(1);
    (
        u32::try_from(d.year()).unwrap_or(2000),
        n(d.month()),
        n(d.day()),
    )
}

/// The start of the next day in Sweden after `t` (local midnight), right across the
/// changes to and from summer time (days of 23 and 25 hours).
pub fn next_stockholm_midnight(t: UnixTime) -> UnixTime {
    let local = stockholm(t);
    let next = local
        .date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(local.time_zone().clone()).ok());
    match next {
        Some(midnight) => UnixTime(midnight.timestamp().as_second()),
        // Only at the end of jiff's range (year 9999): a day later is close enough.
        None => t.plus(Duration::from_secs(86_400)),
    }
}

/// The Swedish day `t` falls on, in words for a page in `lang` (`sv`/`en`), as seen
/// from `now`: "i morgon, söndag 29 mars" / "tomorrow, Sunday 29 March"; other days
/// without "i morgon".
pub fn day_in_words(lang: &str, t: UnixTime, now: UnixTime) -> String {
    use jiff::civil::Weekday;
    let date = stockholm_date(t);
    let tomorrow = stockholm_date(now).tomorrow().ok() == Some(date);
    let sv = lang != "en";
    let weekday = match (date.weekday(), sv) {
        (Weekday::Monday, true) => "måndag",
        (Weekday::Tuesday, true) => "tisdag",
        (Weekday::Wednesday, true) => "onsdag",
        (Weekday::Thursday, true) => "torsdag",
        (Weekday::Friday, true) => "fredag",
        (Weekday::Saturday, true) => "lördag",
        (Weekday::Sunday, true) => "söndag",
        (Weekday::Monday, false) => "Monday",
        (Weekday::Tuesday, false) => "Tuesday",
        (Weekday::Wednesday, false) => "Wednesday",
        (Weekday::Thursday, false) => "Thursday",
        (Weekday::Friday, false) => "Friday",
        (Weekday::Saturday, false) => "Saturday",
        (Weekday::Sunday, false) => "Sunday",
    };
    const SV: [&str; 12] = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = usize::try_from(date.month() - 1).unwrap_or(0);
    let day = date.day();
    match (sv, tomorrow) {
        (true, true) => format!("i morgon, {weekday} {day} {}", SV[month]),
        (true, false) => format!("{weekday} {day} {}", SV[month]),
        (false, true) => format!("tomorrow, {weekday} {day} {}", EN[month]),
        (false, false) => format!("{weekday} {day} {}", EN[month]),
    }
}

fn stockholm(t: UnixTime) -> jiff::Zoned {
    let tz = jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_second(t.0)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> UnixTime {
        let ts: jiff::Timestamp = rfc3339.parse().expect("timestamp");
        UnixTime(ts.as_second())
    }

    #[test]
    fn swedish_days_across_summer_time() {
        // 2026-03-29: clocks go from 02:00 to 03:00 (a 23-hour day).
        assert_eq!(
            next_stockholm_midnight(at("2026-03-29T00:30:00+01:00")),
            at("2026-03-30T00:00:00+02:00")
        );
        // 2026-10-25: clocks go from 03:00 back to 02:00 (a 25-hour day).
        let morning = at("2026-10-25T01:00:00+02:00");
        let midnight = next_stockholm_midnight(morning);
        assert_eq!(midnight, at("2026-10-26T00:00:00+01:00"));
        assert_eq!(morning.until(midnight), Duration::from_secs(24 * 3600));
        // 23:59 local is still the same day; 00:00 is the next.
        assert_eq!(
            stockholm_date(at("2026-12-02T23:59:59+01:00")).to_string(),
            "2026-12-02"
        );
        assert_eq!(
            stockholm_date(at("2026-12-02T23:00:00Z")).to_string(),
            "2026-12-03"
        );
    }

    #[test]
    fn days_in_words() {
        let now = at("2026-03-28T21:00:00+01:00");
        let midnight = next_stockholm_midnight(now);
        assert_eq!(
            day_in_words("sv", midnight, now),
            "i morgon, söndag 29 mars"
        );
        assert_eq!(
            day_in_words("en", midnight, now),
            "tomorrow, Sunday 29 March"
        );
        assert_eq!(day_in_words("sv", midnight, midnight), "söndag 29 mars");
    }

    #[test]
    fn a_manual_clock_moves_when_told() {
        let clock = ManualClock::at(UnixTime(1_000));
        assert_eq!(clock.now(), UnixTime(1_000));
        clock.advance(Duration::from_secs(61));
        assert_eq!(clock.now(), UnixTime(1_061));
    }
}
