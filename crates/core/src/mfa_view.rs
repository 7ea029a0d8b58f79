//! How a user's MFA state reads on the wire (GetUser, AdminGetUser, GetUserAuthFactors): empty lists
//! and unset preferences are omitted, never sent as `[]` or `""` (spec §1.3).

use crate::store::MfaState;

/// `UserMFASettingList`: the activated factors, in the model's order, or `None` when there are none.
pub fn enabled_list(mfa: &MfaState) -> Option<Vec<String>> {
    let list: Vec<String> = [(mfa.sms_enabled, "SMS_MFA"), (mfa.totp_enabled, "SOFTWARE_TOKEN_MFA"), (mfa.email_enabled, "EMAIL_OTP")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect();
    (!list.is_empty()).then_some(list)
}
