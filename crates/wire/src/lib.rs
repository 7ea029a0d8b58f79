//! The Cognito User Pools wire protocol, and nothing else: the request and response shapes of the
//! `cognito-idp` model, its enums, its constraint tables, the table of operations Cognate serves, the
//! error codes, and the AWS JSON 1.1 codec. No I/O, no domain logic.

pub mod codec;
pub mod error;
pub mod ops;
pub mod schema;

/// Generated from the service model by `tools/gen_wire.py`.
pub mod generated {
    pub mod enums;
    pub mod errors;
    pub mod operations;
    pub mod schema_data;
    pub mod shapes;
}

pub use error::{ApiError, ErrorCode};
pub use generated::{enums, shapes};
pub use ops::{Access, Operation};

/// `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// The one content type AWS JSON 1.1 uses, in requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A request authorized by the signed-in user's access token (its required `AccessToken` member).
pub trait HasAccessToken {
    fn access_token(&self) -> &str;
}

// GetDevice and ForgetDevice are authorized by the user's access token like every other device
// operation, though the model marks the member optional; a request without it is refused as one
// with an empty token.
impl HasAccessToken for shapes::GetDeviceRequest {
    fn access_token(&self) -> &str {
        self.access_token.as_deref().unwrap_or_default()
    }
}

impl HasAccessToken for shapes::ForgetDeviceRequest {
    fn access_token(&self) -> &str {
        self.access_token.as_deref().unwrap_or_default()
    }
}
