//! Server-side validation of request bodies against the model's constraints, with the messages the
//! real service uses (docs/protocol.md, Shapes come from the service model):
//! `1 validation error detected: Value 'x' at 'userPoolId' failed to satisfy constraint: Member must ...`.
//!
//! The body is checked as a `serde_json::Value` before it is turned into a typed request, so a member
//! that is absent can be told from one that is empty, and a value of the wrong JSON type is reported as
//! a `SerializationException` rather than silently defaulted.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::error::quoted;
use crate::generated::schema_data::{PATTERNS, SHAPES};
use crate::{ApiError, ErrorCode};

pub type ShapeId = usize;

pub struct Shape {
    pub name: &'static str,
    pub kind: Kind,
}

pub enum Kind {
    Str { min: Option<i64>, max: Option<i64>, pattern: Option<usize>, enum_values: &'static [&'static str], sensitive: bool },
    Blob { min: Option<i64>, max: Option<i64> },
    Int { min: Option<i64>, max: Option<i64> },
    Bool,
    Timestamp,
    Document,
    List { member: ShapeId, min: Option<i64>, max: Option<i64> },
    Map { key: ShapeId, value: ShapeId, min: Option<i64>, max: Option<i64> },
    Struct(&'static [Member]),
}

pub struct Member {
    pub name: &'static str,
    pub shape: ShapeId,
    pub required: bool,
}

/// One operation as the model declares it (all 141, whether Cognate serves them or not).
pub struct ModelOperation {
    pub name: &'static str,
    pub input: ShapeId,
    pub output: ShapeId,
    /// `authtype: none`: sent without SigV4 by every SDK.
    pub unsigned: bool,
    pub errors: &'static [&'static str],
}

pub fn model_operation(name: &str) -> Option<&'static ModelOperation> {
    crate::generated::operations::MODEL_OPERATIONS
        .binary_search_by(|o| o.name.cmp(name))
        .ok()
        .map(|i| &crate::generated::operations::MODEL_OPERATIONS[i])
}

pub fn shape_id(name: &str) -> Option<ShapeId> {
    SHAPES.binary_search_by(|s| s.name.cmp(name)).ok()
}

/// How a model pattern is checked.
enum Matcher {
    /// `^(?:[set]+)$` or `^(?:[set]*)$` where the set is plain ASCII characters and ranges (the
    /// access token's `[A-Za-z0-9-_=.]+`, client ids, codes): a byte table, several times faster
    /// than the regex engine over a kilobyte-long token.
    AsciiSet {
        allowed: Box<[bool; 256]>,
        empty_ok: bool,
    },
    Regex(Regex),
}

impl Matcher {
    fn new(rust: &str) -> Option<Self> {
        match ascii_set(rust) {
            Some((allowed, empty_ok)) => Some(Matcher::AsciiSet { allowed: Box::new(allowed), empty_ok }),
            None => Regex::new(rust).ok().map(Matcher::Regex),
        }
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::AsciiSet { allowed, empty_ok } => {
                // Branch-free over the bytes; UTF-8 bytes of non-ASCII characters are all ≥ 128 and
                // never allowed.
                (*empty_ok || !text.is_empty()) && text.bytes().fold(true, |ok, b| ok & allowed[usize::from(b)])
            }
            Matcher::Regex(re) => re.is_match(text),
        }
    }
}

/// The byte table of a pattern that is one bracketed set of ASCII characters, `-` ranges and
/// escaped punctuation, repeated; `None` for anything else (negated sets, `\w`, `\s`, `\p{..}`,
/// `\x..`), which the regex engine handles.
fn ascii_set(rust: &str) -> Option<([bool; 256], bool)> {
    let body = rust.strip_prefix("^(?:[")?;
    let (set, empty_ok) = match (body.strip_suffix("]+)$"), body.strip_suffix("]*)$")) {
        (Some(set), _) => (set, false),
        (None, Some(set)) => (set, true),
        (None, None) => return None,
    };
    if set.starts_with('^') {
        return None;
    }
    let chars: Vec<char> = set.chars().collect();
    // One character of the set at `i`: a plain one or an escaped punctuation mark.
    let item = |i: usize| -> Option<(char, usize)> {
        match *chars.get(i)? {
            '\\' => chars.get(i + 1).filter(|c| c.is_ascii_punctuation()).map(|c| (*c, i + 2)),
            '[' | ']' => None,
            c => Some((c, i + 1)),
        }
    };
    let mut allowed = [false; 256];
    let mut i = 0;
    while i < chars.len() {
        let (first, next) = item(i)?;
        let (last, next) = if chars.get(next) == Some(&'-') && next + 1 < chars.len() { item(next + 1)? } else { (first, next) };
        if !first.is_ascii() || !last.is_ascii() || first > last {
            return None;
        }
        for c in first..=last {
            allowed[c as usize] = true;
        }
        i = next;
    }
    Some((allowed, empty_ok))
}

fn pattern(i: usize) -> Option<&'static Matcher> {
    static COMPILED: OnceLock<Vec<Option<Matcher>>> = OnceLock::new();
    COMPILED.get_or_init(|| PATTERNS.iter().map(|(_, rust)| Matcher::new(rust)).collect()).get(i).and_then(|r| r.as_ref())
}

/// Validate `body` against input shape `shape`. A JSON type error comes back as
/// `SerializationException`; constraint violations as one `InvalidParameterException` listing all.
pub fn validate(shape: ShapeId, body: &Value) -> Result<(), ApiError> {
    let mut v = Validator { problems: Vec::new() };
    v.check_struct_root(shape, body)?;
    if v.problems.is_empty() {
        return Ok(());
    }
    let n = v.problems.len();
    let noun = if n == 1 { "error" } else { "errors" };
    Err(ApiError::new(ErrorCode::InvalidParameterException, format!("{n} validation {noun} detected: {}", v.problems.join("; "))))
}

struct Validator {
    problems: Vec<String>,
}

fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn type_error(path: &str, expected: &str) -> ApiError {
    let at = if path.is_empty() { "the request body".to_string() } else { format!("'{path}'") };
    ApiError::new(ErrorCode::SerializationException, format!("Expected {expected} at {at}"))
}

impl Validator {
    fn check_struct_root(&mut self, shape: ShapeId, body: &Value) -> Result<(), ApiError> {
        match body {
            Value::Object(_) => self.check(shape, body, ""),
            _ => Err(type_error("", "a JSON object")),
        }
    }

    fn fail(&mut self, path: &str, shown: Option<String>, constraint: String) {
        let value = match shown {
            Some(v) => format!("Value '{}' at '{path}'", quoted(&v)),
            None => format!("Value at '{path}'"),
        };
        self.problems.push(format!("{value} failed to satisfy constraint: {constraint}"));
    }

    fn length(&mut self, path: &str, shown: Option<String>, len: i64, min: Option<i64>, max: Option<i64>) {
        if let Some(min) = min
            && len < min
        {
            self.fail(path, shown.clone(), format!("Member must have length greater than or equal to {min}"));
        }
        if let Some(max) = max
            && len > max
        {
            self.fail(path, shown, format!("Member must have length less than or equal to {max}"));
        }
    }

    fn check(&mut self, shape: ShapeId, value: &Value, path: &str) -> Result<(), ApiError> {
        let Some(s) = SHAPES.get(shape) else {
            return Ok(());
        };
        match &s.kind {
            Kind::Str { min, max, pattern: pat, enum_values, sensitive } => {
                let Value::String(text) = value else {
                    return Err(type_error(path, "a string"));
                };
                let shown = if *sensitive { None } else { Some(text.clone()) };
                let len = text.chars().count() as i64;
                self.length(path, shown.clone(), len, *min, *max);
                if let Some(i) = pat
                    && let Some(re) = pattern(*i)
                    && !re.is_match(text)
                {
                    let java = PATTERNS[*i].0;
                    self.fail(path, shown.clone(), format!("Member must satisfy regular expression pattern: {java}"));
                }
                if !enum_values.is_empty() && !enum_values.contains(&text.as_str()) {
                    self.fail(path, shown, format!("Member must satisfy enum value set: [{}]", enum_values.join(", ")));
                }
            }
            Kind::Blob { min, max } => {
                let Value::String(text) = value else {
                    return Err(type_error(path, "a base64 string"));
                };
                self.length(path, None, text.len() as i64, *min, *max);
            }
            Kind::Int { min, max } => {
                let Some(n) = value.as_i64() else {
                    return Err(type_error(path, "an integer"));
                };
                if let Some(min) = min
                    && n < *min
                {
                    self.fail(path, Some(n.to_string()), format!("Member must have value greater than or equal to {min}"));
                }
                if let Some(max) = max
                    && n > *max
                {
                    self.fail(path, Some(n.to_string()), format!("Member must have value less than or equal to {max}"));
                }
            }
            Kind::Bool => {
                if !value.is_boolean() {
                    return Err(type_error(path, "a boolean"));
                }
            }
            Kind::Timestamp => {
                if !value.is_number() {
                    return Err(type_error(path, "a timestamp in epoch seconds"));
                }
            }
            Kind::Document => {}
            Kind::List { member, min, max } => {
                let Value::Array(items) = value else {
                    return Err(type_error(path, "a list"));
                };
                self.length(path, None, items.len() as i64, *min, *max);
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        continue;
                    }
                    self.check(*member, item, &format!("{path}.{}.member", i + 1))?;
                }
            }
            Kind::Map { key, value: value_shape, min, max } => {
                let Value::Object(entries) = value else {
                    return Err(type_error(path, "a map"));
                };
                self.length(path, None, entries.len() as i64, *min, *max);
                for (k, v) in entries {
                    // A key is the caller's text too: quoted in the path like a value.
                    let k_shown = quoted(k);
                    self.check(*key, &Value::String(k.clone()), &format!("{path}.{k_shown}.key"))?;
                    if !v.is_null() {
                        self.check(*value_shape, v, &format!("{path}.{k_shown}.value"))?;
                    }
                }
            }
            Kind::Struct(members) => {
                let Value::Object(obj) = value else {
                    return Err(type_error(path, "a structure"));
                };
                for m in members.iter() {
                    let child = if path.is_empty() { lower_first(m.name) } else { format!("{path}.{}", lower_first(m.name)) };
                    match obj.get(m.name) {
                        None | Some(Value::Null) => {
                            if m.required {
                                self.problems
                                    .push(format!("Value null at '{child}' failed to satisfy constraint: Member must not be null"));
                            }
                        }
                        Some(v) => self.check(m.shape, v, &child)?,
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(op: &str) -> ShapeId {
        model_operation(op).map(|o| o.input).unwrap_or(usize::MAX)
    }

    #[test]
    fn every_model_pattern_compiles() {
        for (i, (java, rust)) in PATTERNS.iter().enumerate() {
            assert!(pattern(i).is_some(), "pattern {java} -> {rust} does not compile");
        }
    }

    #[test]
    fn byte_tables_agree_with_the_regex_engine() {
        let mut samples: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        samples.extend(["", "é", "aé", "eyJhbGciOi.J9-_=", "a b", "AZaz09", "--", "\\", "]", "^"].map(String::from));
        let mut tables = 0;
        for (java, rust) in PATTERNS.iter() {
            let Some(Matcher::AsciiSet { .. }) = Matcher::new(rust) else { continue };
            tables += 1;
            let (fast, re) = (Matcher::new(rust).unwrap(), Regex::new(rust).unwrap());
            for sample in &samples {
                let twice = format!("{sample}{sample}");
                for text in [sample, &twice] {
                    assert_eq!(fast.is_match(text), re.is_match(text), "pattern {java}, text {text:?}");
                }
            }
        }
        assert!(tables >= 10, "only {tables} patterns use a byte table");
        assert!(matches!(pattern(PATTERNS.iter().position(|(j, _)| *j == "[A-Za-z0-9-_=.]+").unwrap()), Some(Matcher::AsciiSet { .. })));
    }

    #[test]
    fn access_token_pattern_message_matches_the_real_service() {
        let err = validate(input("GetUser"), &json!({"AccessToken": "not a token!"})).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterException);
        assert_eq!(
            err.message,
            "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+"
        );
    }

    #[test]
    fn missing_required_members_are_all_listed() {
        let err = validate(input("AdminGetUser"), &json!({})).unwrap_err();
        assert_eq!(
            err.message,
            "2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; \
             Value null at 'username' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn wrong_json_type_is_a_serialization_error() {
        let err = validate(input("GetUser"), &json!({"AccessToken": 5})).unwrap_err();
        assert_eq!(err.code, ErrorCode::SerializationException);
        let err = validate(input("GetUser"), &json!([1])).unwrap_err();
        assert_eq!(err.code, ErrorCode::SerializationException);
    }

    #[test]
    fn enum_and_length_constraints() {
        let err = validate(input("VerifySoftwareToken"), &json!({"UserCode": "1234567"})).unwrap_err();
        assert!(
            err.message.contains("Value at 'userCode' failed to satisfy constraint: Member must have length less than or equal to 6"),
            "{}",
            err.message
        );
        let err =
            validate(input("SetUserPoolMfaConfig"), &json!({"UserPoolId": "us-east-1_abc", "MfaConfiguration": "MAYBE"})).unwrap_err();
        assert!(err.message.contains("Member must satisfy enum value set: [OFF, ON, OPTIONAL]"), "{}", err.message);
    }

    #[test]
    fn nested_list_paths_use_one_based_member_indices() {
        let body =
            json!({"UserPoolId": "us-east-1_abc", "Username": "u", "UserAttributes": [{"Name": "email", "Value": "a@b"}, {"Value": "x"}]});
        let err = validate(input("AdminUpdateUserAttributes"), &body).unwrap_err();
        assert!(err.message.contains("Value null at 'userAttributes.2.member.name'"), "{}", err.message);
    }
}
