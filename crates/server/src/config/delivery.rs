//! The message delivery settings: SMTP for email and the webhook, each all or nothing: a half
//! configured channel is refused at start-up rather than failing on the first code sent.

use std::time::Duration;

use cognate_core::delivery::Channel;
use cognate_delivery::{SmtpConfig, SmtpTls};

use super::error::ConfigError;
use super::secrets::secret;
use super::settings::Settings;

/// The webhook's settings (secret redacted from `Debug`).
#[derive(Clone)]
pub struct WebhookSettings {
    pub url: String,
    pub secret: String,
    pub channels: Vec<Channel>,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings").field("url", &self.url).field("secret", &"<redacted>").field("channels", &self.channels).finish()
    }
}

/// SMTP when `smtp_host` is set; its other settings without it are an error.
pub fn smtp_config(s: &mut Settings) -> Result<Option<SmtpConfig>, ConfigError> {
    let username = s.smtp_username.take();
    let password = secret("smtp_password", s.smtp_password.take(), s.smtp_password_file.take())?;
    let from = s.smtp_from.take();
    let Some(host) = s.smtp_host.take().filter(|h| !h.trim().is_empty()) else {
        if username.is_some() || password.is_some() || from.is_some() {
            return Err(ConfigError::SmtpWithoutHost);
        }
        return Ok(None);
    };
    let tls: SmtpTls = s.smtp_tls.take().as_deref().unwrap_or("starttls").parse().map_err(ConfigError::SmtpTls)?;
    let from = from.filter(|f| !f.trim().is_empty()).ok_or(ConfigError::SmtpWithoutFrom)?;
    if username.is_some() != password.is_some() {
        return Err(ConfigError::SmtpHalfCredentials);
    }
    let port = s.smtp_port.take().unwrap_or(tls.default_port());
    Ok(Some(SmtpConfig { host, port, tls, username, password, from, timeout: Duration::from_secs(30) }))
}

/// The webhook when `webhook_url` is set; its other settings without it are an error.
pub fn webhook_settings(s: &mut Settings) -> Result<Option<WebhookSettings>, ConfigError> {
    let secret_value = secret("webhook_secret", s.webhook_secret.take(), s.webhook_secret_file.take())?;
    let channel_texts = s.webhook_channels.take();
    let Some(url) = s.webhook_url.take().filter(|u| !u.trim().is_empty()) else {
        if secret_value.is_some() || channel_texts.is_some() {
            return Err(ConfigError::WebhookWithoutUrl);
        }
        return Ok(None);
    };
    let secret_value = secret_value.filter(|s| !s.is_empty()).ok_or(ConfigError::WebhookWithoutSecret)?;
    let mut channels = Vec::new();
    for text in channel_texts.unwrap_or_else(|| vec!["sms".into()]) {
        if text.trim().is_empty() {
            continue;
        }
        let c: Channel = text.parse().map_err(ConfigError::WebhookChannel)?;
        if !channels.contains(&c) {
            channels.push(c);
        }
    }
    if channels.is_empty() {
        return Err(ConfigError::NoWebhookChannel);
    }
    Ok(Some(WebhookSettings { url, secret: secret_value, channels }))
}
