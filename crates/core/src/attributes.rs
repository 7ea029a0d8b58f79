//! User attributes: the standard OpenID Connect set every pool has, the pool's `custom:` attributes,
//! and the checks the real service applies when attributes are written.

use cognate_wire::shapes::{
    AttributeType, NumberAttributeConstraintsType, SchemaAttributeType, StringAttributeConstraintsType, UserPoolType,
};

use crate::{ApiResult, api_error};

/// (name, data type, mutable, string min, string max) of the standard attributes, in the order
/// DescribeUserPool lists them.
const STANDARD: &[(&str, &str, bool, &str, &str)] = &[
    ("sub", "String", false, "1", "2048"),
    ("name", "String", true, "0", "2048"),
    ("given_name", "String", true, "0", "2048"),
    ("family_name", "String", true, "0", "2048"),
    ("middle_name", "String", true, "0", "2048"),
    ("nickname", "String", true, "0", "2048"),
    ("preferred_username", "String", true, "0", "2048"),
    ("profile", "String", true, "0", "2048"),
    ("picture", "String", true, "0", "2048"),
    ("website", "String", true, "0", "2048"),
    ("email", "String", true, "0", "2048"),
    ("email_verified", "Boolean", true, "", ""),
    ("gender", "String", true, "0", "2048"),
    ("birthdate", "String", true, "10", "10"),
    ("zoneinfo", "String", true, "0", "2048"),
    ("locale", "String", true, "0", "2048"),
    ("phone_number", "String", true, "0", "2048"),
    ("phone_number_verified", "Boolean", true, "", ""),
    ("address", "String", true, "0", "2048"),
    ("updated_at", "Number", true, "", ""),
    ("identities", "String", true, "0", "2048"),
];

/// The schema a new pool reports: the standard attributes, with `Required` set for those the request
/// marks required, followed by the request's custom attributes (named `custom:<name>`).
pub fn pool_schema(requested: &[SchemaAttributeType]) -> ApiResult<Vec<SchemaAttributeType>> {
    let mut out: Vec<SchemaAttributeType> = STANDARD
        .iter()
        .map(|(name, ty, mutable, min, max)| SchemaAttributeType {
            name: Some((*name).to_string()),
            attribute_data_type: Some((*ty).to_string()),
            developer_only_attribute: Some(false),
            mutable: Some(*mutable),
            required: Some(*name == "sub"),
            string_attribute_constraints: (*ty == "String")
                .then(|| StringAttributeConstraintsType { min_length: Some((*min).to_string()), max_length: Some((*max).to_string()) }),
            number_attribute_constraints: (*ty == "Number")
                .then(|| NumberAttributeConstraintsType { min_value: Some("0".into()), max_value: None }),
        })
        .collect();
    for req in requested {
        let Some(name) = req.name.as_deref() else {
            return Err(api_error!(InvalidParameterException, "Attribute name is required."));
        };
        if let Some(std) = out.iter_mut().find(|a| a.name.as_deref() == Some(name)) {
            if name == "sub" {
                continue;
            }
            if let Some(r) = req.required {
                std.required = Some(r);
            }
            if let Some(m) = req.mutable {
                std.mutable = Some(m);
            }
            continue;
        }
        let full = if req.developer_only_attribute == Some(true) { format!("dev:custom:{name}") } else { format!("custom:{name}") };
        if out.iter().any(|a| a.name.as_deref() == Some(full.as_str())) {
            return Err(api_error!(InvalidParameterException, "Duplicate attribute name: {name}"));
        }
        if req.required == Some(true) {
            return Err(api_error!(InvalidParameterException, "Required custom attributes are not supported currently."));
        }
        let ty = req.attribute_data_type.clone().unwrap_or_else(|| "String".into());
        out.push(SchemaAttributeType {
            name: Some(full),
            attribute_data_type: Some(ty.clone()),
            developer_only_attribute: Some(req.developer_only_attribute.unwrap_or(false)),
            mutable: Some(req.mutable.unwrap_or(true)),
            required: Some(false),
            string_attribute_constraints: if ty == "String" {
                Some(req.string_attribute_constraints.clone().unwrap_or_default())
            } else {
                None
            },
            number_attribute_constraints: if ty == "Number" {
                Some(req.number_attribute_constraints.clone().unwrap_or_default())
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// Which write is being checked: a new user may set immutable attributes, an update may not.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Create,
    Update,
}

/// Check attributes a caller wants to write against the pool's schema; returns them as they are to
/// be stored. Boolean values are accepted in any letter case (`"True"`, as boto3 users write
/// `str(True)`) and stored lower-case, as AWS answers them.
pub fn check_writes(pool: &UserPoolType, attrs: &[AttributeType], write: Write) -> ApiResult<Vec<AttributeType>> {
    let schema = pool.schema_attributes.as_deref().unwrap_or_default();
    let mut out = Vec::with_capacity(attrs.len());
    for a in attrs {
        let name = a.name.as_str();
        let value = a.value.as_deref().unwrap_or("");
        let mut stored = a.clone();
        let Some(def) = schema.iter().find(|s| s.name.as_deref() == Some(name)) else {
            return Err(api_error!(
                InvalidParameterException,
                "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
            ));
        };
        if name == "sub" {
            return Err(api_error!(InvalidParameterException, "Cannot modify the non-mutable attribute sub"));
        }
        if write == Write::Update && def.mutable == Some(false) {
            return Err(api_error!(InvalidParameterException, "Cannot modify the non-mutable attribute {name}"));
        }
        match def.attribute_data_type.as_deref() {
            Some("Boolean") => match boolean(value) {
                Some(b) => stored.value = Some(b.to_string()),
                None => {
                    return Err(api_error!(
                        InvalidParameterException,
                        "Attributes did not conform to the schema: {name}: Value must be true or false"
                    ));
                }
            },
            Some("Number") if !value.is_empty() && value.parse::<f64>().is_err() => {
                return Err(api_error!(
                    InvalidParameterException,
                    "Attributes did not conform to the schema: {name}: Number must be a valid number"
                ));
            }
            _ => {}
        }
        if let Some(c) = &def.string_attribute_constraints {
            let len = value.chars().count();
            if let Some(max) = c.max_length.as_deref().and_then(|m| m.parse::<usize>().ok())
                && len > max
            {
                return Err(api_error!(
                    InvalidParameterException,
                    "Attributes did not conform to the schema: {name}: String must be no longer than {max} characters"
                ));
            }
            if let Some(min) = c.min_length.as_deref().and_then(|m| m.parse::<usize>().ok())
                && len < min
                && !value.is_empty()
            {
                return Err(api_error!(
                    InvalidParameterException,
                    "Attributes did not conform to the schema: {name}: String must be at least {min} characters"
                ));
            }
        }
        if name == "email" && !value.is_empty() && !is_email(value) {
            return Err(api_error!(InvalidParameterException, "Invalid email address format."));
        }
        if name == "phone_number" && !value.is_empty() && !is_phone(value) {
            return Err(api_error!(InvalidParameterException, "Invalid phone number format."));
        }
        out.push(stored);
    }
    Ok(out)
}

/// `true` or `false` in any letter case.
fn boolean(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Required attributes missing from a new user, in the real message format.
pub fn check_required(pool: &UserPoolType, attrs: &[(String, String)]) -> ApiResult<()> {
    for def in pool.schema_attributes.as_deref().unwrap_or_default() {
        let Some(name) = def.name.as_deref() else {
            continue;
        };
        if def.required == Some(true) && name != "sub" && !attrs.iter().any(|(n, v)| n == name && !v.is_empty()) {
            return Err(api_error!(
                InvalidParameterException,
                "Attributes did not conform to the schema: {name}: The attribute is required"
            ));
        }
    }
    Ok(())
}

pub fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    !local.is_empty() && !domain.is_empty() && !v.chars().any(char::is_whitespace)
}

/// E.164: `+` and 4 to 15 digits.
pub fn is_phone(v: &str) -> bool {
    v.strip_prefix('+').is_some_and(|d| (4..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

/// Apply writes to an attribute list, keeping first-set order; an empty value removes the attribute.
pub fn apply(attrs: &mut Vec<(String, String)>, writes: &[AttributeType]) {
    for w in writes {
        let value = w.value.clone().unwrap_or_default();
        match attrs.iter_mut().find(|(n, _)| *n == w.name) {
            Some(slot) if value.is_empty() => slot.1.clear(),
            Some(slot) => slot.1 = value,
            None if value.is_empty() => {}
            None => attrs.push((w.name.clone(), value)),
        }
    }
    attrs.retain(|(_, v)| !v.is_empty());
}

/// Attributes in wire form, `sub` first as the real service lists it.
pub fn to_wire(sub: &str, attrs: &[(String, String)]) -> Vec<AttributeType> {
    std::iter::once(AttributeType { name: "sub".into(), value: Some(sub.to_string()) })
        .chain(attrs.iter().map(|(n, v)| AttributeType { name: n.clone(), value: Some(v.clone()) }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_in_any_case_are_stored_lower_case() {
        let pool = UserPoolType { schema_attributes: pool_schema(&[]).ok(), ..Default::default() };
        let write = |v: &str| check_writes(&pool, &[AttributeType { name: "email_verified".into(), value: Some(v.into()) }], Write::Update);
        for (given, stored) in [("True", "true"), ("FALSE", "false"), ("true", "true"), ("fAlSe", "false")] {
            assert_eq!(write(given).unwrap()[0].value.as_deref(), Some(stored));
        }
        assert!(write("yes").is_err());
    }

    #[test]
    fn formats() {
        assert!(is_email("a@b.c"));
        assert!(!is_email("nope"));
        assert!(is_phone("+14155550100"));
        assert!(!is_phone("14155550100"));
    }

    #[test]
    fn apply_keeps_order_and_removes_empty() {
        let mut attrs = vec![("email".to_string(), "a@b.c".to_string())];
        apply(
            &mut attrs,
            &[
                AttributeType { name: "name".into(), value: Some("A".into()) },
                AttributeType { name: "email".into(), value: Some(String::new()) },
            ],
        );
        assert_eq!(attrs, vec![("name".to_string(), "A".to_string())]);
    }
}
