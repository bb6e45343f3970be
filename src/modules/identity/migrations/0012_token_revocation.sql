-- Why an API token stopped working: revoked by its owner, or with its
-- account's sessions (password reset, disabled, roles changed, forced logout).
ALTER TABLE api_tokens ADD COLUMN revoked_reason TEXT;
