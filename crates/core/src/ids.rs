//! Identifiers and generated secrets in the formats of the real service.

use rand::Rng;
use rand::distr::Alphanumeric;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn pick(set: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| set[rng.random_range(0..set.len())] as char).collect()
}

/// `us-east-1_AbC123xyZ`: the region, `_`, 9 letters and digits.
pub fn pool_id(region: &str) -> String {
    let suffix: String = rand::rng().sample_iter(&Alphanumeric).take(9).map(char::from).collect();
    format!("{region}_{suffix}")
}

/// 26 lower-case letters and digits, like `2kchqmpoto6k06ak9v9368j48j`.
pub fn client_id() -> String {
    pick(LOWER_ALNUM, 26)
}

/// 51 lower-case letters and digits, the length of real client secrets.
pub fn client_secret() -> String {
    pick(LOWER_ALNUM, 51)
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The part of a pool id after `_`, used by SRP (docs/sign-in.md, SRP).
pub fn pool_name_part(pool_id: &str) -> &str {
    pool_id.split_once('_').map(|(_, n)| n).unwrap_or(pool_id)
}

/// The region a pool id starts with.
pub fn pool_region(pool_id: &str) -> &str {
    pool_id.split_once('_').map(|(r, _)| r).unwrap_or("us-east-1")
}

pub fn pool_arn(pool_id: &str, account: &str) -> String {
    format!("arn:aws:cognito-idp:{}:{account}:userpool/{pool_id}", pool_region(pool_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let id = pool_id("eu-west-1");
        assert!(regex::Regex::new(r"^eu-west-1_[0-9a-zA-Z]{9}$").map(|r| r.is_match(&id)).unwrap_or(false), "{id}");
        assert_eq!(client_id().len(), 26);
        assert_eq!(pool_name_part("us-east-1_AbC"), "AbC");
    }
}
