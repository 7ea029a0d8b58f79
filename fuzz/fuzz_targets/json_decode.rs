//! A request body for any operation (the first byte picks it): JSON parsing, model validation and
//! the null stripping of `decode_body`, then the re-encoding of what it accepted. Also the
//! `X-Amz-Target` resolution, for the same bytes as a header value.
#![no_main]

use cognate_wire::Operation;
use cognate_wire::codec::{decode_body, encode_error, operation_from_target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else { return };
    let op = Operation::ALL[usize::from(first) % Operation::ALL.len()];
    match decode_body(op, body) {
        Ok(value) => drop(value.to_string()),
        Err(err) => drop(encode_error(&err)),
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = operation_from_target(Some(text));
    }
});
