//! [`Delivery`]: the sender `App` holds. It picks one sender per message:
//!
//! | channel | first configured of |
//! |---|---|
//! | email | SMTP, the webhook (if it takes email), the outbox |
//! | SMS | the webhook (if it takes SMS), the outbox |
//!
//! A message that goes out through SMTP or the webhook is not written to the outbox (that would
//! keep live codes in the database), and a failure there is returned, never retried into the
//! outbox.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Channel, DeliveryError, Message, Sender};

/// Where a channel's messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Outbox,
    Smtp,
    Webhook,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Outbox => "outbox",
            Route::Smtp => "smtp",
            Route::Webhook => "webhook",
        }
    }
}

pub struct Delivery {
    outbox: Arc<dyn Sender>,
    smtp: Option<Arc<dyn Sender>>,
    webhook: Option<Arc<dyn Sender>>,
    webhook_email: bool,
    webhook_sms: bool,
}

impl Delivery {
    /// Everything to the outbox until [`Delivery::with_smtp`] / [`Delivery::with_webhook`] say otherwise.
    pub fn new(outbox: Arc<dyn Sender>) -> Self {
        Delivery { outbox, smtp: None, webhook: None, webhook_email: false, webhook_sms: false }
    }

    /// Email goes through `smtp`.
    pub fn with_smtp(mut self, smtp: Arc<dyn Sender>) -> Self {
        self.smtp = Some(smtp);
        self
    }

    /// The `channels` listed go through `webhook` (email only when no SMTP sender is set).
    pub fn with_webhook(mut self, webhook: Arc<dyn Sender>, channels: &[Channel]) -> Self {
        self.webhook = Some(webhook);
        self.webhook_email = channels.contains(&Channel::Email);
        self.webhook_sms = channels.contains(&Channel::Sms);
        self
    }

    pub fn route(&self, channel: Channel) -> Route {
        match channel {
            Channel::Email if self.smtp.is_some() => Route::Smtp,
            Channel::Email if self.webhook.is_some() && self.webhook_email => Route::Webhook,
            Channel::Sms if self.webhook.is_some() && self.webhook_sms => Route::Webhook,
            _ => Route::Outbox,
        }
    }

    fn sender(&self, route: Route) -> &Arc<dyn Sender> {
        match (route, &self.smtp, &self.webhook) {
            (Route::Smtp, Some(s), _) | (Route::Webhook, _, Some(s)) => s,
            _ => &self.outbox,
        }
    }
}

#[async_trait]
impl Sender for Delivery {
    async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        let route = self.route(message.channel);
        let result = self.sender(route).send(message).await;
        match (&result, route) {
            (_, Route::Outbox) => {}
            (Ok(()), _) => tracing::info!(
                pool = %message.pool_id,
                channel = message.channel.as_str(),
                purpose = message.purpose,
                via = route.as_str(),
                "message sent"
            ),
            (Err(e), _) => tracing::error!(
                pool = %message.pool_id,
                channel = message.channel.as_str(),
                purpose = message.purpose,
                via = route.as_str(),
                error = %e,
                "message not delivered"
            ),
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records which sender got which message, and can be told to fail.
    struct Recorder {
        name: &'static str,
        log: Arc<Mutex<Vec<(&'static str, Channel)>>>,
        fail: bool,
    }

    #[async_trait]
    impl Sender for Recorder {
        async fn send(&self, m: &Message) -> Result<(), DeliveryError> {
            if let Ok(mut log) = self.log.lock() {
                log.push((self.name, m.channel));
            }
            if self.fail { Err(DeliveryError("down".into())) } else { Ok(()) }
        }
    }

    fn message(channel: Channel) -> Message {
        Message {
            pool_id: "p".into(),
            username: "u".into(),
            channel,
            destination: "d".into(),
            subject: None,
            body: "b".into(),
            purpose: "SignUp",
        }
    }

    fn recorder(name: &'static str, log: &Arc<Mutex<Vec<(&'static str, Channel)>>>, fail: bool) -> Arc<dyn Sender> {
        Arc::new(Recorder { name, log: log.clone(), fail })
    }

    #[tokio::test]
    async fn routes() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let only_outbox = Delivery::new(recorder("outbox", &log, false));
        assert_eq!(only_outbox.route(Channel::Email), Route::Outbox);
        assert_eq!(only_outbox.route(Channel::Sms), Route::Outbox);

        let sms_hook = Delivery::new(recorder("outbox", &log, false)).with_webhook(recorder("webhook", &log, false), &[Channel::Sms]);
        assert_eq!(sms_hook.route(Channel::Email), Route::Outbox);
        assert_eq!(sms_hook.route(Channel::Sms), Route::Webhook);

        let both_hook =
            Delivery::new(recorder("outbox", &log, false)).with_webhook(recorder("webhook", &log, false), &[Channel::Email, Channel::Sms]);
        assert_eq!(both_hook.route(Channel::Email), Route::Webhook);

        let all = Delivery::new(recorder("outbox", &log, false))
            .with_smtp(recorder("smtp", &log, false))
            .with_webhook(recorder("webhook", &log, false), &[Channel::Email]);
        assert_eq!(all.route(Channel::Email), Route::Smtp);
        assert_eq!(all.route(Channel::Sms), Route::Outbox);

        for (d, c) in [
            (&only_outbox, Channel::Email),
            (&sms_hook, Channel::Sms),
            (&sms_hook, Channel::Email),
            (&all, Channel::Email),
            (&all, Channel::Sms),
        ] {
            let _ = d.send(&message(c)).await;
        }
        let got = log.lock().map(|l| l.clone()).unwrap_or_default();
        assert_eq!(
            got,
            vec![
                ("outbox", Channel::Email),
                ("webhook", Channel::Sms),
                ("outbox", Channel::Email),
                ("smtp", Channel::Email),
                ("outbox", Channel::Sms),
            ]
        );
    }

    #[tokio::test]
    async fn a_failing_real_channel_does_not_fall_back_to_the_outbox() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let d = Delivery::new(recorder("outbox", &log, false)).with_smtp(recorder("smtp", &log, true));
        assert!(d.send(&message(Channel::Email)).await.is_err());
        let got = log.lock().map(|l| l.clone()).unwrap_or_default();
        assert_eq!(got, vec![("smtp", Channel::Email)]);
    }
}
