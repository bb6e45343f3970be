-- The audit chain is keyed: mac = HMAC-SM3(key, hash | token), with a key
-- derived from the master key outside the database, so that someone who can
-- write the database alone cannot re-hash a chain they edited. Records
-- written before this migration keep their plain SM3 chain. token_id names
-- the API token an action came through. org_id scopes a district's reading.
ALTER TABLE audit_log ADD COLUMN mac TEXT;
ALTER TABLE audit_log ADD COLUMN token_id BIGINT;
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
