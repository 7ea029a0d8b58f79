//! The `TIMESTAMP` of a `PASSWORD_VERIFIER` answer: `EEE MMM d HH:mm:ss UTC yyyy`.
//!
//! The string is signed byte for byte, so the server must never re-format it before
//! checking the signature; it only parses it to check clock skew. Clients write the day
//! without a leading zero (`Mon Nov 3 09:05:07 UTC 2025`; pycognito strips the zero
//! "as required by AWS Cognito"), but a zero-padded day is accepted too, as a Java
//! `SimpleDateFormat("EEE MMM d HH:mm:ss z yyyy")` parser would.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Formats `at` exactly as amazon-cognito-identity-js and pycognito do.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    // Both indexes are in range by construction (0..=6 and 0..=11).
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[at.weekday().num_days_from_monday() as usize],
        MONTHS[at.month0() as usize],
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.year()
    )
}

/// Parses a client's `TIMESTAMP`; `None` for anything that is not a real UTC date-time in
/// that shape. Names are matched case-insensitively; the weekday must be a valid name but
/// is not cross-checked against the date (Java's lenient parser ignores it as well).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let mut fields = s.split_whitespace();
    let weekday = fields.next()?;
    let month = fields.next()?;
    let day = fields.next()?;
    let time = fields.next()?;
    let zone = fields.next()?;
    let year = fields.next()?;
    if fields.next().is_some() || !zone.eq_ignore_ascii_case("UTC") {
        return None;
    }
    if !WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(weekday)) {
        return None;
    }
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let day = small_number(day, 1, 2)?;
    let year = i32::try_from(small_number(year, 4, 4)?).ok()?;

    let mut hms = time.split(':');
    let hour = small_number(hms.next()?, 2, 2)?;
    let minute = small_number(hms.next()?, 2, 2)?;
    let second = small_number(hms.next()?, 2, 2)?;
    if hms.next().is_some() {
        return None;
    }

    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = NaiveTime::from_hms_opt(hour, minute, second)?;
    Some(date.and_time(time).and_utc())
}

/// A run of `min..=max` ASCII digits (no sign, no spaces) as a number.
fn small_number(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn formats_without_leading_zero_on_the_day() {
        assert_eq!(format_timestamp(at(2025, 11, 3, 9, 5, 7)), "Mon Nov 3 09:05:07 UTC 2025");
        assert_eq!(format_timestamp(at(2026, 11, 23, 23, 59, 0)), "Mon Nov 23 23:59:00 UTC 2026");
        assert_eq!(format_timestamp(at(2024, 2, 29, 0, 0, 0)), "Thu Feb 29 00:00:00 UTC 2024");
    }

    #[test]
    fn parses_both_day_forms() {
        let want = at(2025, 11, 3, 9, 5, 7);
        assert_eq!(parse_timestamp("Mon Nov 3 09:05:07 UTC 2025"), Some(want));
        assert_eq!(parse_timestamp("Mon Nov 03 09:05:07 UTC 2025"), Some(want));
        assert_eq!(parse_timestamp("mon NOV 3 09:05:07 utc 2025"), Some(want));
    }

    #[test]
    fn round_trips() {
        let t = at(2030, 1, 9, 12, 34, 56);
        assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "Mon Nov 3 09:05:07 UTC",
            "Mon Nov 3 09:05:07 GMT 2025",
            "Xyz Nov 3 09:05:07 UTC 2025",
            "Mon Foo 3 09:05:07 UTC 2025",
            "Mon Nov 31 09:05:07 UTC 2025",
            "Mon Nov 3 9:05:07 UTC 2025",
            "Mon Nov 3 09:05:07:00 UTC 2025",
            "Mon Nov 3 24:05:07 UTC 2025",
            "Mon Nov +3 09:05:07 UTC 2025",
            "Mon Nov 3 09:05:07 UTC 25",
            "Mon Nov 3 09:05:07 UTC 2025 extra",
            "Mon Nov 333 09:05:07 UTC 2025",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
