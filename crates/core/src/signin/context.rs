//! The client context of a sign-in (and of the other calls an app client makes for its users:
//! SignUp, ForgotPassword, refresh tokens): the pool, the app client, and whether the call came
//! through the admin API.

use crate::errors::OrInternal;
use crate::store::{ClientRecord, PoolRecord};
use crate::{ApiResult, App, api_error};

pub struct ClientContext {
    pub pool: PoolRecord,
    pub client: ClientRecord,
    /// AdminInitiateAuth / AdminRespondToAuthChallenge (SigV4-signed), which may use the admin flows.
    pub admin: bool,
}

impl ClientContext {
    /// The app client `client_id` and its pool, checked against `pool_id` when the request names one.
    pub async fn load(app: &App, pool_id: Option<&str>, client_id: &str, admin: bool) -> ApiResult<Self> {
        let client = app
            .store
            .get_client(client_id)
            .await
            .or_internal()?
            .filter(|c| pool_id.is_none_or(|p| p == c.pool_id))
            .ok_or_else(|| api_error!(ResourceNotFoundException, "User pool client {client_id} does not exist."))?;
        let pool = app.pool(&client.pool_id).await?;
        Ok(ClientContext { pool, client, admin })
    }

    /// SECRET_HASH for clients with a secret (AWS: "Computing secret hash values"). Any of `names`
    /// may be the one the client hashed (the typed username, or the internal one after SRP).
    pub fn check_secret_hash(&self, provided: Option<&str>, names: &[&str]) -> ApiResult<()> {
        let Some(secret) = self.client.settings.client_secret.as_deref() else { return Ok(()) };
        let id = &self.client.client_id;
        let Some(provided) = provided else {
            return Err(api_error!(NotAuthorizedException, "Client {id} is configured with secret but SECRET_HASH was not received"));
        };
        if names.iter().any(|n| cognate_crypto::secret_hash::verify(secret, n, id, provided)) {
            Ok(())
        } else {
            Err(api_error!(NotAuthorizedException, "Unable to verify secret hash for client {id}"))
        }
    }

    /// PreventUserExistenceErrors=ENABLED: an unknown user must look like a real one.
    pub fn prevents_existence_errors(&self) -> bool {
        self.client.settings.prevent_user_existence_errors.as_deref() == Some("ENABLED")
    }

    /// Minutes a challenge session stays valid: the client's AuthSessionValidity (3 to 15, default 3).
    pub fn session_validity_ms(&self) -> i64 {
        self.client.settings.auth_session_validity.unwrap_or(3).clamp(3, 15) * 60_000
    }
}
