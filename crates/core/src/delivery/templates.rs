//! Message texts from a pool's settings, with Cognito's fallbacks and defaults. Pure functions: the
//! caller picks the channel and destination, these only say what the message reads.
//!
//! Which setting is used (the model's `UserPoolType`; docs/delivery.md, Message texts):
//! - verification codes (sign-up, attribute verification, forgotten password):
//!   `VerificationMessageTemplate.{SmsMessage, EmailMessage, EmailSubject}`, then the legacy
//!   `SmsVerificationMessage` / `EmailVerificationMessage` / `EmailVerificationSubject`, then the
//!   service's default text;
//! - MFA and sign-in codes: `SmsAuthenticationMessage` for SMS; for email the pool's
//!   `EmailMfaConfiguration` (kept by SetUserPoolMfaConfig, outside `UserPoolType`, so passed in);
//! - invitations: `AdminCreateUserConfig.InviteMessageTemplate`.
//!
//! Placeholders: `{####}` is the code (or the temporary password), `{username}` the username.

use cognate_wire::shapes::{EmailMfaConfigType, UserPoolType};

use super::Channel;

pub const DEFAULT_VERIFICATION_MESSAGE: &str = "Your verification code is {####}. ";
pub const DEFAULT_VERIFICATION_SUBJECT: &str = "Your verification code";
pub const DEFAULT_AUTHENTICATION_MESSAGE: &str = "Your authentication code is {####}. ";
/// Cognate's choice: the service documents no default subject for email MFA messages.
pub const DEFAULT_AUTHENTICATION_SUBJECT: &str = "Your authentication code";
pub const DEFAULT_INVITATION_MESSAGE: &str = "Your username is {username} and temporary password is {####}. ";
pub const DEFAULT_INVITATION_SUBJECT: &str = "Your temporary password";

/// A filled-in message: the subject is set for email and `None` for SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub subject: Option<String>,
    pub body: String,
}

/// The first template that is set and not empty.
fn first<'a>(candidates: &[Option<&'a String>], default: &'a str) -> &'a str {
    candidates.iter().flatten().find(|s| !s.is_empty()).map(|s| s.as_str()).unwrap_or(default)
}

/// Replace `{####}` with `code` and `{username}` with `username`, in one pass, so text coming from
/// either value is never itself treated as a placeholder.
pub fn fill(template: &str, code: &str, username: &str) -> String {
    const CODE: &str = "{####}";
    const USERNAME: &str = "{username}";
    let mut out = String::with_capacity(template.len() + code.len() + username.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix(CODE) {
            out.push_str(code);
            rest = after;
        } else if let Some(after) = tail.strip_prefix(USERNAME) {
            out.push_str(username);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn content(channel: Channel, sms: &str, email: &str, subject: &str, code: &str, username: &str) -> Content {
    match channel {
        Channel::Sms => Content { subject: None, body: fill(sms, code, username) },
        Channel::Email => Content { subject: Some(fill(subject, code, username)), body: fill(email, code, username) },
    }
}

/// A verification code: sign-up confirmation, attribute verification and forgotten password.
pub fn verification_message(pool: &UserPoolType, channel: Channel, code: &str, username: &str) -> Content {
    let t = pool.verification_message_template.as_ref();
    let sms = first(&[t.and_then(|t| t.sms_message.as_ref()), pool.sms_verification_message.as_ref()], DEFAULT_VERIFICATION_MESSAGE);
    let email = first(&[t.and_then(|t| t.email_message.as_ref()), pool.email_verification_message.as_ref()], DEFAULT_VERIFICATION_MESSAGE);
    let subject =
        first(&[t.and_then(|t| t.email_subject.as_ref()), pool.email_verification_subject.as_ref()], DEFAULT_VERIFICATION_SUBJECT);
    content(channel, sms, email, subject, code, username)
}

/// ForgotPassword uses the verification template, as on Cognito.
pub fn forgot_password_message(pool: &UserPoolType, channel: Channel, code: &str, username: &str) -> Content {
    verification_message(pool, channel, code, username)
}

/// An MFA or passwordless sign-in code. `email_mfa` is the pool's `EmailMfaConfiguration`, if any.
pub fn authentication_message(
    pool: &UserPoolType,
    email_mfa: Option<&EmailMfaConfigType>,
    channel: Channel,
    code: &str,
    username: &str,
) -> Content {
    let sms = first(&[pool.sms_authentication_message.as_ref()], DEFAULT_AUTHENTICATION_MESSAGE);
    let email = first(&[email_mfa.and_then(|c| c.message.as_ref())], DEFAULT_AUTHENTICATION_MESSAGE);
    let subject = first(&[email_mfa.and_then(|c| c.subject.as_ref())], DEFAULT_AUTHENTICATION_SUBJECT);
    content(channel, sms, email, subject, code, username)
}

/// AdminCreateUser's invitation, carrying the temporary password in place of `{####}`.
pub fn invitation_message(pool: &UserPoolType, channel: Channel, username: &str, temporary_password: &str) -> Content {
    let t = pool.admin_create_user_config.as_ref().and_then(|c| c.invite_message_template.as_ref());
    let sms = first(&[t.and_then(|t| t.sms_message.as_ref())], DEFAULT_INVITATION_MESSAGE);
    let email = first(&[t.and_then(|t| t.email_message.as_ref())], DEFAULT_INVITATION_MESSAGE);
    let subject = first(&[t.and_then(|t| t.email_subject.as_ref())], DEFAULT_INVITATION_SUBJECT);
    content(channel, sms, email, subject, temporary_password, username)
}

#[cfg(test)]
mod tests {
    use cognate_wire::shapes::{AdminCreateUserConfigType, MessageTemplateType, VerificationMessageTemplateType};

    use super::*;

    fn email(subject: &str, body: &str) -> Content {
        Content { subject: Some(subject.into()), body: body.into() }
    }

    fn sms(body: &str) -> Content {
        Content { subject: None, body: body.into() }
    }

    #[test]
    fn fill_replaces_every_placeholder_once() {
        assert_eq!(fill("{username}: {####} / {####} {x} {", "123456", "al{####}ice"), "al{####}ice: 123456 / 123456 {x} {");
        assert_eq!(fill("no placeholders", "1", "u"), "no placeholders");
        assert_eq!(fill("{####}", "{username}", "u"), "{username}");
        assert_eq!(fill("é{####}ü", "42", "u"), "é42ü");
    }

    #[test]
    fn verification_defaults() {
        let pool = UserPoolType::default();
        assert_eq!(
            verification_message(&pool, Channel::Email, "123456", "alice"),
            email("Your verification code", "Your verification code is 123456. ")
        );
        assert_eq!(verification_message(&pool, Channel::Sms, "123456", "alice"), sms("Your verification code is 123456. "));
        // A pool as CreateUserPool stores it: a template with only DefaultEmailOption set.
        let pool = UserPoolType {
            verification_message_template: Some(VerificationMessageTemplateType {
                default_email_option: Some("CONFIRM_WITH_CODE".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(forgot_password_message(&pool, Channel::Sms, "000111", "bob"), sms("Your verification code is 000111. "));
    }

    #[test]
    fn verification_template_wins_over_legacy_members() {
        let legacy = UserPoolType {
            sms_verification_message: Some("legacy sms {####}".into()),
            email_verification_message: Some("legacy email {####}".into()),
            email_verification_subject: Some("legacy subject".into()),
            ..Default::default()
        };
        assert_eq!(verification_message(&legacy, Channel::Email, "42", "u"), email("legacy subject", "legacy email 42"));
        assert_eq!(verification_message(&legacy, Channel::Sms, "42", "u"), sms("legacy sms 42"));
        let both = UserPoolType {
            verification_message_template: Some(VerificationMessageTemplateType {
                sms_message: Some("tpl sms {####}".into()),
                email_message: Some("<p>Hi {username}, tpl {####}</p>".into()),
                email_subject: Some("tpl subject".into()),
                ..Default::default()
            }),
            ..legacy.clone()
        };
        assert_eq!(verification_message(&both, Channel::Email, "42", "u"), email("tpl subject", "<p>Hi u, tpl 42</p>"));
        assert_eq!(verification_message(&both, Channel::Sms, "42", "u"), sms("tpl sms 42"));
        // Empty strings count as unset.
        let empty = UserPoolType {
            verification_message_template: Some(VerificationMessageTemplateType {
                email_subject: Some(String::new()),
                ..Default::default()
            }),
            ..legacy
        };
        assert_eq!(verification_message(&empty, Channel::Email, "42", "u"), email("legacy subject", "legacy email 42"));
    }

    #[test]
    fn authentication_messages() {
        let pool = UserPoolType::default();
        assert_eq!(authentication_message(&pool, None, Channel::Sms, "654321", "u"), sms("Your authentication code is 654321. "));
        assert_eq!(
            authentication_message(&pool, None, Channel::Email, "654321", "u"),
            email("Your authentication code", "Your authentication code is 654321. ")
        );
        let pool = UserPoolType { sms_authentication_message: Some("Code: {####}".into()), ..Default::default() };
        let mfa = EmailMfaConfigType { message: Some("Sign in with {####}".into()), subject: Some("Sign-in code".into()) };
        assert_eq!(authentication_message(&pool, Some(&mfa), Channel::Sms, "1", "u"), sms("Code: 1"));
        assert_eq!(authentication_message(&pool, Some(&mfa), Channel::Email, "1", "u"), email("Sign-in code", "Sign in with 1"));
    }

    #[test]
    fn invitations() {
        let pool = UserPoolType::default();
        assert_eq!(
            invitation_message(&pool, Channel::Email, "alice", "Tmp#Pass1"),
            email("Your temporary password", "Your username is alice and temporary password is Tmp#Pass1. ")
        );
        assert_eq!(
            invitation_message(&pool, Channel::Sms, "alice", "Tmp#Pass1"),
            sms("Your username is alice and temporary password is Tmp#Pass1. ")
        );
        let pool = UserPoolType {
            admin_create_user_config: Some(AdminCreateUserConfigType {
                invite_message_template: Some(MessageTemplateType {
                    sms_message: Some("{username} / {####}".into()),
                    email_message: Some("Welcome {username}, password {####}".into()),
                    email_subject: Some("Welcome, {username}".into()),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(invitation_message(&pool, Channel::Email, "alice", "pw"), email("Welcome, alice", "Welcome alice, password pw"));
        assert_eq!(invitation_message(&pool, Channel::Sms, "alice", "pw"), sms("alice / pw"));
    }
}
