//! Sending one-time codes to users and checking them back: sign-up confirmation, password reset,
//! attribute verification. Codes are stored hashed with an expiry and an attempt count; attempts
//! are also bounded per user and purpose across codes ([`crate::attempt_windows`]).
//!
//! A code that proves an address (sign-up confirmation, attribute verification, an email or SMS
//! sign-in code) is bound to the address it was sent to: its stored hash covers the address with
//! the code, and the check recomputes it with the address the user has *now*. Changing the email
//! or phone number thus invalidates every code sent to the old one, with no extra state to keep in
//! step (docs/security.md, "Attributes and user existence").

use cognate_wire::shapes::CodeDeliveryDetailsType;

use crate::attempt_windows::{self, limit_exceeded};
use crate::delivery::{Channel, Message, purpose, templates};
use crate::errors::OrInternal;
use crate::store::{CodeRecord, PoolRecord, UserRecord};
use crate::{ApiResult, App, api_error, codes};

/// Comparisons allowed with one code; after them it is refused, right or wrong.
const MAX_ATTEMPTS: i64 = 5;

/// Where a code goes.
#[derive(Debug, Clone)]
pub struct Destination {
    pub channel: Channel,
    pub attribute: &'static str,
    pub address: String,
}

impl Destination {
    pub fn of(user: &UserRecord, attribute: &'static str) -> Option<Destination> {
        Some(Destination::to(attribute, user.attribute(attribute)?.to_string()))
    }

    /// `address` as the `attribute` (email or phone_number) it is.
    pub fn to(attribute: &'static str, address: String) -> Destination {
        let channel = if attribute == "phone_number" { Channel::Sms } else { Channel::Email };
        Destination { channel, attribute, address }
    }

    /// `CodeDeliveryDetails` with the address masked as the real service masks it.
    pub fn details(&self) -> CodeDeliveryDetailsType {
        CodeDeliveryDetailsType {
            destination: Some(mask(&self.address)),
            delivery_medium: Some(self.channel.as_str().to_string()),
            attribute_name: Some(self.attribute.to_string()),
        }
    }
}

/// How AWS masks a destination: `a***@e***` for emails (the first character of the local part and
/// of the domain, nothing of the rest), `+*******1234` for phone numbers.
pub fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        return format!("{}***@{}***", first(local), first(domain));
    }
    // By characters, not bytes: a decoy's address is whatever name was typed.
    let digits: Vec<char> = address.trim_start_matches('+').chars().collect();
    let hidden = digits.len().saturating_sub(4);
    format!("+{}{}", "*".repeat(hidden), digits[hidden..].iter().collect::<String>())
}

/// Whether codes for `purpose` prove the address they go to, and so are bound to it. A password
/// reset code proves nothing about an address (it goes to whichever one is verified).
fn binds_address(purpose: &str) -> bool {
    purpose != "forgot_password"
}

/// What a bound code's hash covers: the address and the code. No address contains a line break
/// (emails and phone numbers are checked for whitespace on the way in).
fn bound(address: &str, code: &str) -> String {
    format!("{address}\n{code}")
}

/// The hash a sign-in code is kept under in its session: bound to the address it went to.
pub fn authentication_code_hash(address: &str, code: &str) -> String {
    codes::hash(&bound(address, code))
}

/// Whether `code` is the sign-in code `stored` was made from, for the address the user has now.
pub fn authentication_code_matches(stored: &str, address: Option<&str>, code: &str) -> bool {
    address.is_some_and(|a| codes::matches(stored, &bound(a, code)))
}

/// Generate a code for `purpose`, store its hash (bound to the address for purposes that prove
/// it) and send it.
pub async fn send_code(
    app: &App,
    pool: &PoolRecord,
    user: &UserRecord,
    to: &Destination,
    purpose: &str,
    message_purpose: &'static str,
    validity_ms: i64,
) -> ApiResult<()> {
    let code = codes::generate(6);
    let now = app.now_ms();
    let record = CodeRecord {
        pool_id: pool.id.clone(),
        username_key: user.username_key.clone(),
        purpose: purpose.to_string(),
        code_hash: if binds_address(purpose) { codes::hash(&bound(&to.address, &code)) } else { codes::hash(&code) },
        expires_ms: now + validity_ms,
        failures: 0,
        created_ms: now,
    };
    app.store.put_code(&record).await.or_internal()?;
    let content = if message_purpose == purpose::FORGOT_PASSWORD {
        templates::forgot_password_message(&pool.settings, to.channel, &code, &user.username)
    } else {
        templates::verification_message(&pool.settings, to.channel, &code, &user.username)
    };
    let message = Message::new(&pool.id, &user.username, to.channel, &to.address, content, message_purpose);
    app.delivery.send(&message).await.map_err(|e| {
        tracing::warn!(error = %e, "code delivery failed");
        api_error!(CodeDeliveryFailureException, "Unable to deliver the verification code.")
    })
}

/// Send a fresh sign-in code of `digits` digits (a one-time code as the first factor, or SMS/email
/// MFA) to `to`, with the pool's authentication message. Returns the code's hash, which the
/// sign-in session keeps: these codes live and die with their session, not in the codes table.
pub async fn send_authentication_code(
    app: &App,
    pool: &PoolRecord,
    username: &str,
    to: &Destination,
    digits: usize,
    message_purpose: &'static str,
) -> ApiResult<String> {
    let code = codes::generate(digits);
    let content = templates::authentication_message(&pool.settings, pool.mfa.email.as_ref(), to.channel, &code, username);
    let message = Message::new(&pool.id, username, to.channel, &to.address, content, message_purpose);
    app.delivery.send(&message).await.map_err(|e| {
        tracing::warn!(error = %e, purpose = message_purpose, "authentication code delivery failed");
        api_error!(CodeDeliveryFailureException, "Unable to deliver the authentication code.")
    })?;
    Ok(authentication_code_hash(&to.address, &code))
}

/// Check and use up a code. Each comparison is claimed first, in one store step that counts it
/// (in the user's window for `purpose`, then on the code): N concurrent guesses make at most
/// [`MAX_ATTEMPTS`] comparisons, and a right code after them is refused. An expired code is refused.
/// `sent_to`: the address the code must have gone to (the user's current one), for purposes bound
/// to an address; a code sent to another address, or none, is a wrong code.
pub async fn check_code(
    app: &App,
    pool: &PoolRecord,
    user: &UserRecord,
    purpose: &str,
    code: &str,
    sent_to: Option<&str>,
) -> ApiResult<()> {
    let mismatch = || api_error!(CodeMismatchException, "Invalid verification code provided, please try again.");
    let window = attempt_windows::key(&pool.id, &user.username_key, purpose);
    attempt_windows::claim(app, &window, limit_exceeded).await?;
    let claimed = app.store.claim_code_attempt(&pool.id, &user.username_key, purpose, MAX_ATTEMPTS).await.or_internal()?;
    let Some(record) = claimed else {
        // No claim: no code at all, or one whose attempts are spent.
        let spent = app.store.get_code(&pool.id, &user.username_key, purpose).await.or_internal()?.is_some();
        return Err(if spent { limit_exceeded() } else { mismatch() });
    };
    let candidate = if binds_address(purpose) { sent_to.map(|a| bound(a, code)) } else { Some(code.to_string()) };
    if !candidate.is_some_and(|c| codes::matches(&record.code_hash, &c)) {
        return Err(mismatch());
    }
    if app.now_ms() > record.expires_ms {
        return Err(api_error!(ExpiredCodeException, "Invalid code provided, please request a code again."));
    }
    // Only one of two concurrent uses of the same code gets through.
    if !app.store.consume_code(&pool.id, &user.username_key, purpose, &record.code_hash).await.or_internal()? {
        return Err(mismatch());
    }
    attempt_windows::clear(app, &window).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask("testuser@example.com"), "t***@e***");
        assert_eq!(mask("test@test.com"), "t***@t***");
        assert_eq!(mask("émile@école.fr"), "é***@é***");
        assert_eq!(mask("+14155550123"), "+*******0123");
        assert_eq!(mask("+ééééé"), "+*éééé");
    }
}
