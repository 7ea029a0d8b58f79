//! Timestamps on the wire are epoch seconds with a millisecond fraction (`1548108509.537`).

pub fn wire_timestamp(ms: i64) -> f64 {
    ms as f64 / 1000.0
}
