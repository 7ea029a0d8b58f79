//! The default sender: stores every message in the outbox (readable through
//! `GET /_cognate/outbox`) and, in local mode only, logs it, so codes can be read without any mail
//! or SMS set-up. This is the one place where codes are meant to be visible; outside local mode the
//! log says a message was stored, never what it says.

use std::sync::Arc;

use async_trait::async_trait;

use super::{DeliveryError, Message, Sender};
use crate::clock::Clock;
use crate::store::{OutboxMessage, Store};

pub struct OutboxSender {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Whether the log shows the message itself (its code): local development mode only.
    log_bodies: bool,
}

impl OutboxSender {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        OutboxSender { store, clock, log_bodies: false }
    }

    /// Log each message's destination and text (codes included) as it is stored.
    pub fn logging_bodies(mut self, on: bool) -> Self {
        self.log_bodies = on;
        self
    }
}

#[async_trait]
impl Sender for OutboxSender {
    async fn send(&self, m: &Message) -> Result<(), DeliveryError> {
        let record = OutboxMessage {
            id: crate::ids::uuid(),
            pool_id: m.pool_id.clone(),
            username: m.username.clone(),
            channel: m.channel.as_str().to_string(),
            destination: m.destination.clone(),
            subject: m.subject.clone(),
            body: m.body.clone(),
            purpose: m.purpose.to_string(),
            created_ms: self.clock.now_ms(),
        };
        self.store.append_message(&record).await.map_err(|e| DeliveryError(e.to_string()))?;
        if !self.log_bodies {
            tracing::info!(target: "cognate::outbox", pool = %m.pool_id, channel = m.channel.as_str(), purpose = m.purpose, "message stored in the outbox");
            return Ok(());
        }
        tracing::info!(
            target: "cognate::outbox",
            pool = %m.pool_id,
            user = %m.username,
            channel = m.channel.as_str(),
            destination = %m.destination,
            purpose = m.purpose,
            body = %m.body,
            "message stored in the development outbox"
        );
        Ok(())
    }
}
