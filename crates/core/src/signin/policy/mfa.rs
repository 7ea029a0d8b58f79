//! Multi-factor authentication rules: the pool's mode and factors, which factors a user can use,
//! and the table of what a sign-in meets after its first factor (AWS: "Adding MFA to a user pool";
//! the choices AWS leaves open are in docs/mfa.md).

use cognate_wire::enums::ChallengeNameType as ChallengeName;

use crate::store::{MfaState, PoolRecord, UserRecord};

/// The three second factors, in the model's order.
pub const SECOND_FACTORS: [ChallengeName; 3] = [ChallengeName::SmsMfa, ChallengeName::SoftwareTokenMfa, ChallengeName::EmailOtp];

/// Pool MFA mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    Optional,
    On,
}

pub fn mode(pool: &PoolRecord) -> Mode {
    match pool.settings.mfa_configuration.as_deref() {
        Some("ON") => Mode::On,
        Some("OPTIONAL") => Mode::Optional,
        _ => Mode::Off,
    }
}

/// Which factors the pool offers.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolFactors {
    pub sms: bool,
    pub totp: bool,
    pub email: bool,
}

pub fn pool_factors(pool: &PoolRecord) -> PoolFactors {
    let off = mode(pool) == Mode::Off;
    PoolFactors {
        sms: !off && pool.mfa.sms.is_some(),
        totp: pool.mfa.software_token.as_ref().and_then(|t| t.enabled).unwrap_or(false),
        email: !off && pool.mfa.email.is_some(),
    }
}

/// Whether the user has what a factor needs: a verified authenticator app, a phone number, an email.
pub fn can_receive(user: &UserRecord, factor: ChallengeName) -> bool {
    match factor {
        ChallengeName::SoftwareTokenMfa => user.data.mfa.totp.is_some(),
        ChallengeName::SmsMfa => user.attribute("phone_number").is_some(),
        ChallengeName::EmailOtp => user.attribute("email").is_some(),
        _ => false,
    }
}

fn activated(mfa: &MfaState) -> [(bool, ChallengeName); 3] {
    [
        (mfa.sms_enabled, ChallengeName::SmsMfa),
        (mfa.totp_enabled, ChallengeName::SoftwareTokenMfa),
        (mfa.email_enabled, ChallengeName::EmailOtp),
    ]
}

/// The factors activated for the user that can actually be used, in the model's order.
pub fn usable_enabled(user: &UserRecord) -> Vec<ChallengeName> {
    activated(&user.data.mfa).into_iter().filter(|(on, f)| *on && can_receive(user, *f)).map(|(_, f)| f).collect()
}

/// `UserMFASettingList` as GetUser, AdminGetUser and GetUserAuthFactors show it: the activated
/// factors in the model's order, omitted (never `[]`) when there are none.
pub fn enabled_list(mfa: &MfaState) -> Option<Vec<String>> {
    let list: Vec<String> = activated(mfa).into_iter().filter(|(on, _)| *on).map(|(_, f)| f.as_str().to_string()).collect();
    (!list.is_empty()).then_some(list)
}

/// What a sign-in must do after the first factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Tokens,
    Challenge(ChallengeName),
    Select(Vec<ChallengeName>),
    Setup(Vec<ChallengeName>),
}

/// The MFA table: the preferred usable factor, else the only one, else a choice; with none
/// activated, tokens when MFA is optional, and when it is required whatever the user already has
/// that the pool offers, else set-up.
pub fn after_first_factor(pool: &PoolRecord, user: &UserRecord) -> Next {
    let mode = mode(pool);
    if mode == Mode::Off {
        return Next::Tokens;
    }
    let enabled = usable_enabled(user);
    let preferred = user.data.mfa.preferred.as_deref().and_then(|p| enabled.iter().copied().find(|f| f.as_str() == p));
    if let Some(p) = preferred {
        return Next::Challenge(p);
    }
    match enabled.len() {
        1 => return Next::Challenge(enabled[0]),
        n if n >= 2 => return Next::Select(enabled),
        _ => {}
    }
    if mode == Mode::Optional {
        return Next::Tokens;
    }
    let pool_has = pool_factors(pool);
    if user.data.mfa.totp.is_some() {
        return Next::Challenge(ChallengeName::SoftwareTokenMfa);
    }
    if pool_has.sms && can_receive(user, ChallengeName::SmsMfa) {
        return Next::Challenge(ChallengeName::SmsMfa);
    }
    let offered = [
        (pool_has.totp, ChallengeName::SoftwareTokenMfa),
        (pool_has.sms, ChallengeName::SmsMfa),
        (pool_has.email, ChallengeName::EmailOtp),
    ];
    Next::Setup(offered.into_iter().filter(|(on, _)| *on).map(|(_, f)| f).collect())
}

/// Whether MFA applies to the user's sign-ins at all.
pub fn applies(pool: &PoolRecord, user: &UserRecord) -> bool {
    after_first_factor(pool, user) != Next::Tokens
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::TotpDevice;
    use cognate_wire::shapes::{EmailMfaConfigType, SmsMfaConfigType, SoftwareTokenMfaConfigType};

    pub(crate) fn pool(mode: &str, sms: bool, totp: bool, email: bool) -> PoolRecord {
        let settings = cognate_wire::shapes::UserPoolType { mfa_configuration: Some(mode.to_string()), ..Default::default() };
        let mut p = PoolRecord {
            id: "us-east-1_test".into(),
            name: "t".into(),
            created_ms: 0,
            modified_ms: 0,
            settings,
            mfa: Default::default(),
            version: 1,
        };
        p.mfa.sms = sms.then(SmsMfaConfigType::default);
        p.mfa.software_token = totp.then_some(SoftwareTokenMfaConfigType { enabled: Some(true) });
        p.mfa.email = email.then(EmailMfaConfigType::default);
        p
    }

    pub(crate) fn user(attrs: &[(&str, &str)]) -> UserRecord {
        let mut u = UserRecord {
            pool_id: "us-east-1_test".into(),
            username_key: "alice".into(),
            username: "alice".into(),
            sub: "sub".into(),
            created_ms: 0,
            modified_ms: 0,
            data: Default::default(),
            keys: vec![],
            version: 1,
        };
        u.data.status = "CONFIRMED".into();
        u.data.enabled = true;
        u.data.attributes = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        u
    }

    fn with_totp(mut u: UserRecord) -> UserRecord {
        u.data.mfa.totp = Some(TotpDevice { secret: "S".into(), friendly_name: None, verified_ms: 0 });
        u
    }

    use ChallengeName::{EmailOtp, SmsMfa, SoftwareTokenMfa};

    #[test]
    fn the_mfa_table() {
        let phone = [("phone_number", "+15555550100")];
        let both = [("phone_number", "+15555550100"), ("email", "a@example.com")];
        let mut sms_on = user(&phone);
        sms_on.data.mfa.sms_enabled = true;
        let mut two_on = with_totp(user(&both));
        two_on.data.mfa.sms_enabled = true;
        two_on.data.mfa.totp_enabled = true;
        let mut two_on_pref = two_on.clone();
        two_on_pref.data.mfa.preferred = Some("SOFTWARE_TOKEN_MFA".into());
        let mut sms_on_no_phone = user(&[]);
        sms_on_no_phone.data.mfa.sms_enabled = true;
        let cases: Vec<(&str, PoolRecord, UserRecord, Next)> = vec![
            ("off: never", pool("OFF", true, true, true), sms_on.clone(), Next::Tokens),
            ("one activated", pool("OPTIONAL", true, false, false), sms_on.clone(), Next::Challenge(SmsMfa)),
            ("two activated: choose", pool("OPTIONAL", true, true, false), two_on.clone(), Next::Select(vec![SmsMfa, SoftwareTokenMfa])),
            ("two activated, one preferred", pool("ON", true, true, false), two_on_pref, Next::Challenge(SoftwareTokenMfa)),
            ("activated but unreachable", pool("OPTIONAL", true, false, false), sms_on_no_phone, Next::Tokens),
            ("optional, none activated", pool("OPTIONAL", true, true, true), user(&both), Next::Tokens),
            ("required, has TOTP", pool("ON", false, true, false), with_totp(user(&[])), Next::Challenge(SoftwareTokenMfa)),
            ("required, has a phone", pool("ON", true, true, false), user(&phone), Next::Challenge(SmsMfa)),
            ("required, nothing: set up", pool("ON", true, true, true), user(&[]), Next::Setup(vec![SoftwareTokenMfa, SmsMfa, EmailOtp])),
            ("required, email only offered", pool("ON", false, false, true), user(&both), Next::Setup(vec![EmailOtp])),
        ];
        for (name, pool, user, want) in cases {
            assert_eq!(after_first_factor(&pool, &user), want, "{name}");
        }
    }

    #[test]
    fn enabled_list_is_omitted_when_empty() {
        let mut m = MfaState::default();
        assert_eq!(enabled_list(&m), None);
        m.email_enabled = true;
        m.sms_enabled = true;
        assert_eq!(enabled_list(&m), Some(vec!["SMS_MFA".to_string(), "EMAIL_OTP".to_string()]));
    }
}
