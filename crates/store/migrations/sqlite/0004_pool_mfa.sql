-- SetUserPoolMfaConfig's factor configuration (cognate_core::store::PoolMfa), as JSON.
ALTER TABLE pools ADD COLUMN mfa TEXT NOT NULL DEFAULT '{}';
