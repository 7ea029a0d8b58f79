//! ListWebAuthnCredentials and DeleteWebAuthnCredential (docs/passkeys.md).

use cognate_wire::shapes::*;

use crate::passkeys::MAX_PASSKEYS;
use crate::time::wire_timestamp;
use crate::tokens::TokenUser;
use crate::{ApiResult, App, api_error, paging, users};

pub async fn list_web_authn_credentials(
    _app: &App,
    me: TokenUser,
    input: ListWebAuthnCredentialsRequest,
) -> ApiResult<ListWebAuthnCredentialsResponse> {
    // MaxResults 0 (or absent) means a full page.
    let page = match input.max_results {
        Some(n) if n > 0 => (n as usize).min(MAX_PASSKEYS),
        _ => MAX_PASSKEYS,
    };
    let all = &me.user.data.passkeys.credentials;
    // The token names the first credential of the next page; a deleted one makes the token stale.
    let start = match paging::decode_token(input.next_token.as_deref())? {
        None => 0,
        Some(id) => {
            all.iter().position(|c| c.id == id).ok_or_else(|| api_error!(InvalidParameterException, "Invalid pagination token."))?
        }
    };
    let credentials = all
        .iter()
        .skip(start)
        .take(page)
        .map(|c| WebAuthnCredentialDescription {
            credential_id: c.id.clone(),
            friendly_credential_name: c.friendly_name.clone(),
            relying_party_id: c.rp_id.clone(),
            authenticator_attachment: c.attachment.clone(),
            authenticator_transports: c.transports.clone(),
            created_at: wire_timestamp(c.created_ms).floor(),
        })
        .collect();
    let next_token = all.get(start + page).map(|c| paging::encode_token(&c.id));
    Ok(ListWebAuthnCredentialsResponse { credentials, next_token })
}

pub async fn delete_web_authn_credential(
    app: &App,
    me: TokenUser,
    input: DeleteWebAuthnCredentialRequest,
) -> ApiResult<DeleteWebAuthnCredentialResponse> {
    users::modify(app, &me.pool, &me.user.username, |u| {
        let before = u.data.passkeys.credentials.len();
        u.data.passkeys.credentials.retain(|c| c.id != input.credential_id);
        if u.data.passkeys.credentials.len() == before {
            return Err(api_error!(ResourceNotFoundException, "The passkey credential does not exist."));
        }
        Ok(())
    })
    .await?;
    Ok(DeleteWebAuthnCredentialResponse {})
}
