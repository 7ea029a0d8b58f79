//! Who is calling, as proven before a handler runs.

/// A request whose SigV4 signature was verified (or accepted as well-formed in local mode).
#[derive(Debug, Clone)]
pub struct IamCaller {
    pub access_key_id: String,
    /// The region of the signature's credential scope; new pools are created in it.
    pub region: String,
}

#[derive(Debug, Clone)]
pub enum Caller {
    Iam(IamCaller),
    Anonymous,
}
