//! The `next` of a page of devices ([`cognate_core::store::DeviceStore::list_devices`]), shared by
//! both stores so that they answer a cursor alike: `<created_ms>.<device_key>` of the last device on
//! the page, the position in the listing's order (oldest first, then by key) the next page starts
//! after.
//!
//! A cursor this store did not write (not a number before the first `.`, or after it something no
//! device key looks like) lists nothing: the page is empty and has no `next`. Starting over instead
//! would hand a client that loops over pages with a damaged token the same devices again, possibly
//! for ever. Checking the key's characters also keeps what the database refuses (PostgreSQL takes
//! no NUL in text) from reaching it as an error.

use cognate_core::store::DeviceRecord;

pub(crate) fn next_after(device: &DeviceRecord) -> String {
    format!("{}.{}", device.created_ms, device.device_key)
}

/// The (created_ms, device_key) a listing starts after: before every device for `None`, nothing
/// for a malformed cursor.
pub(crate) fn start_after(after: Option<&str>) -> Option<(i64, String)> {
    let Some(after) = after else {
        // Device keys are never empty, so ("" at the smallest time) sorts before every device.
        return Some((i64::MIN, String::new()));
    };
    let (created_ms, device_key) = after.split_once('.')?;
    // Device keys are `<region>_<uuid>`: letters, digits, `-` and `_`.
    if device_key.is_empty() || !device_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return None;
    }
    Some((created_ms.parse().ok()?, device_key.to_string()))
}

#[cfg(test)]
mod tests {
    use cognate_core::store::{DeviceData, DeviceRecord};

    use super::{next_after, start_after};

    #[test]
    fn a_cursor_reads_back_as_the_position_it_was_written_from() {
        let device = DeviceRecord {
            pool_id: "p".into(),
            device_key: "us-east-1_0b7e-41".into(),
            username_key: "u".into(),
            created_ms: -3,
            confirmed: true,
            data: DeviceData::default(),
            version: 1,
        };
        assert_eq!(start_after(Some(&next_after(&device))), Some((-3, "us-east-1_0b7e-41".to_string())));
        assert_eq!(start_after(None), Some((i64::MIN, String::new())));
    }

    #[test]
    fn a_malformed_cursor_starts_nowhere() {
        for bad in ["", "abc", "12", "x.key", "99999999999999999999.key", ".key", "12.", "12.a.b", "12.a b", "12.a\u{0}", "12.é"] {
            assert_eq!(start_after(Some(bad)), None, "{bad:?}");
        }
    }
}
