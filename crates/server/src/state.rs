//! What every route handler shares: the domain, the admin-key check, the rate limits and the CORS policy. Its own module so that
//! the handlers and the router that lists them both depend on it, and not on each other.

use cognate_core::App;

use crate::auth::AdminAuth;
use crate::cors::CorsPolicy;
use crate::rate_limit::RateLimits;

pub struct ServerState {
    pub app: App,
    pub auth: AdminAuth,
    pub limits: RateLimits,
    pub cors: CorsPolicy,
}
