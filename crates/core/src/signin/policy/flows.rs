//! Which authentication flows an app client allows (its ExplicitAuthFlows, in the current `ALLOW_`
//! form or the legacy one).

use cognate_wire::enums::{AuthFlowType as Flow, ExplicitAuthFlowsType as Explicit};

use crate::store::ClientRecord;

/// What a client created without ExplicitAuthFlows allows, as AWS documents it.
const DEFAULT_FLOWS: &[Explicit] = &[Explicit::AllowUserSrpAuth, Explicit::AllowCustomAuth, Explicit::AllowRefreshTokenAuth];

/// The client's ExplicitAuthFlows, or the default ones.
pub fn allowed_flows(client: &ClientRecord) -> Vec<String> {
    client.settings.explicit_auth_flows.clone().unwrap_or_else(|| DEFAULT_FLOWS.iter().map(|f| f.as_str().to_string()).collect())
}

/// Whether `client` allows `flow`. A client configured with the legacy names (no `ALLOW_` prefix)
/// also gets SRP (unless it is custom-auth only) and refresh.
pub fn flow_allowed(client: &ClientRecord, flow: Flow) -> bool {
    let flows = allowed_flows(client);
    let has = |v: Explicit| flows.iter().any(|f| f == v.as_str());
    let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
    match flow {
        Flow::UserPasswordAuth => has(Explicit::AllowUserPasswordAuth) || has(Explicit::UserPasswordAuth),
        Flow::AdminUserPasswordAuth | Flow::AdminNoSrpAuth => has(Explicit::AllowAdminUserPasswordAuth) || has(Explicit::AdminNoSrpAuth),
        Flow::UserSrpAuth => has(Explicit::AllowUserSrpAuth) || (legacy && !has(Explicit::CustomAuthFlowOnly)),
        Flow::RefreshTokenAuth | Flow::RefreshToken => has(Explicit::AllowRefreshTokenAuth) || legacy,
        Flow::UserAuth => has(Explicit::AllowUserAuth),
        Flow::CustomAuth => has(Explicit::AllowCustomAuth) || has(Explicit::CustomAuthFlowOnly),
    }
}

/// Flows only the admin API may start.
pub fn admin_only(flow: Flow) -> bool {
    matches!(flow, Flow::AdminUserPasswordAuth | Flow::AdminNoSrpAuth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(flows: Option<&[&str]>) -> ClientRecord {
        let settings = cognate_wire::shapes::UserPoolClientType {
            explicit_auth_flows: flows.map(|f| f.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        ClientRecord { client_id: "c".into(), pool_id: "p".into(), name: "n".into(), created_ms: 0, modified_ms: 0, settings, version: 1 }
    }

    #[test]
    fn flow_table() {
        use Flow::*;
        // (ExplicitAuthFlows, flow, allowed)
        let cases: &[(Option<&[&str]>, Flow, bool)] = &[
            (None, UserSrpAuth, true),
            (None, RefreshTokenAuth, true),
            (None, CustomAuth, true),
            (None, UserPasswordAuth, false),
            (None, UserAuth, false),
            (Some(&["ALLOW_USER_PASSWORD_AUTH"]), UserPasswordAuth, true),
            (Some(&["ALLOW_USER_PASSWORD_AUTH"]), UserSrpAuth, false),
            (Some(&["ALLOW_USER_PASSWORD_AUTH"]), RefreshTokenAuth, false),
            (Some(&["ALLOW_ADMIN_USER_PASSWORD_AUTH"]), AdminNoSrpAuth, true),
            (Some(&["ALLOW_USER_AUTH"]), UserAuth, true),
            // Legacy names bring SRP and refresh with them.
            (Some(&["USER_PASSWORD_AUTH"]), UserPasswordAuth, true),
            (Some(&["USER_PASSWORD_AUTH"]), UserSrpAuth, true),
            (Some(&["USER_PASSWORD_AUTH"]), RefreshToken, true),
            (Some(&["CUSTOM_AUTH_FLOW_ONLY"]), UserSrpAuth, false),
            (Some(&["CUSTOM_AUTH_FLOW_ONLY"]), CustomAuth, true),
            (Some(&["ADMIN_NO_SRP_AUTH"]), AdminUserPasswordAuth, true),
        ];
        for (flows, flow, allowed) in cases {
            assert_eq!(flow_allowed(&client(*flows), *flow), *allowed, "{flows:?} {flow}");
        }
    }
}
