//! SigV4 failures, with the exception names and messages AWS's JSON services use.
//!
//! Messages follow what real AWS JSON-protocol services answer (collected from public
//! reports and from dynalite, an emulator built by probing DynamoDB, which shares its
//! front end with Cognito). Where several problems are found at one stage AWS
//! concatenates the sentences, and so do we.

/// A header's text as a message quotes it: at most 256 characters, cut between characters. The
/// messages are echoed in a response header, which must stay small whatever was sent.
pub(crate) fn shown(value: &str) -> std::borrow::Cow<'_, str> {
    const MAX_CHARS: usize = 256;
    match value.char_indices().nth(MAX_CHARS) {
        None => std::borrow::Cow::Borrowed(value),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}...", &value[..cut])),
    }
}

/// Why a request's SigV4 signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header, or one that is not AWS4 at all (e.g. `Bearer …`).
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// The header is AWS4 but incomplete or unparsable: missing `Credential`,
    /// `SignedHeaders` or `Signature`, no date, a bad date, a bad credential shape, an
    /// unsupported algorithm.
    #[error("{0}")]
    IncompleteSignature(String),
    /// The credential scope is wrong (service, region, terminator, date), `host` is not
    /// signed, or the date is outside the 15-minute window. Carries AWS's full message.
    #[error("{0}")]
    InvalidSignature(String),
    /// The access key id is not known.
    #[error("The security token included in the request is invalid.")]
    UnrecognizedClient,
    /// Everything was well-formed but the signature is not the one we compute (wrong
    /// secret, altered body or header, `x-amz-content-sha256` not matching the body).
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service \
         documentation for details."
    )]
    SignatureMismatch,
}

impl SigV4Error {
    /// The `__type` to send.
    pub fn aws_code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature(_) => "IncompleteSignatureException",
            Self::InvalidSignature(_) | Self::SignatureMismatch => "InvalidSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
        }
    }

    /// The `message` to send.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        assert_eq!(SigV4Error::MissingAuthenticationToken.aws_code(), "MissingAuthenticationTokenException");
        assert_eq!(SigV4Error::MissingAuthenticationToken.message(), "Missing Authentication Token");
        assert_eq!(SigV4Error::UnrecognizedClient.message(), "The security token included in the request is invalid.");
        assert_eq!(
            SigV4Error::SignatureMismatch.message(),
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
        );
        assert_eq!(SigV4Error::SignatureMismatch.aws_code(), "InvalidSignatureException");
        assert_eq!(SigV4Error::IncompleteSignature("x".into()).aws_code(), "IncompleteSignatureException");
    }
}
