//! SigV4 for admin (IAM-authorized) calls, with the aws-sigv4 crate the AWS SDKs use, so the server
//! checks the same signatures a real client sends.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

/// Static access keys; the server started by the tool is given the same pair (`--admin-key`).
#[derive(Debug, Clone)]
pub struct Signer {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
}

impl Signer {
    /// The headers to add to `POST /` with this `host`, `X-Amz-Target` and body.
    pub fn headers(&self, host: &str, target: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
        let identity =
            aws_credential_types::Credentials::new(&self.access_key_id, &self.secret_access_key, None, None, "cognate-bench").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("cognito-idp")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("signing parameters: {e}"))?
            .into();
        let headers = [("host", host), ("content-type", crate::api::CONTENT_TYPE), ("x-amz-target", target)];
        let signable = SignableRequest::new("POST", format!("http://{host}/"), headers.iter().copied(), SignableBody::Bytes(body))
            .map_err(|e| format!("signable request: {e}"))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| format!("signing: {e}"))?.into_parts();
        Ok(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }
}
