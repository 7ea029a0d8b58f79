//! Reading AuthParameters and ChallengeResponses: string maps whose keys the model documents per
//! flow and challenge.

use std::collections::BTreeMap;

use crate::{ApiResult, api_error};

pub type Params = BTreeMap<String, String>;

/// A member that must be present and non-empty.
pub fn required<'a>(params: &'a Params, name: &str) -> ApiResult<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| api_error!(InvalidParameterException, "Missing required parameter {name}"))
}

pub fn optional<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

/// `SECRET_HASH`, which clients with a secret send with every step.
pub fn secret_hash(params: &Params) -> Option<&str> {
    optional(params, "SECRET_HASH")
}

/// Challenge parameters: `extra`, plus `USER_ID_FOR_SRP` (the internal username), which every
/// challenge after the first step carries.
pub fn with_user_id(user_id: &str, extra: &[(&str, String)]) -> Params {
    let mut p: Params = extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    p.insert("USER_ID_FOR_SRP".into(), user_id.to_string());
    p
}
