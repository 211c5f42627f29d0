DROP INDEX audit_log_action_idx, audit_log_target_idx, audit_log_actor_idx;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP FUNCTION app_audit_no_truncate();
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION app_audit_append_only();
DROP POLICY audit_chain ON audit_log;
DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION app_audit_chain();
DROP INDEX audit_log_chain_idx;
DROP FUNCTION app_audit_entry_text(audit_log);
ALTER TABLE audit_log DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN seq, DROP COLUMN client_ip,
  DROP COLUMN request_id, DROP COLUMN actor_partner_client_id, DROP COLUMN actor_type;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_user_id_fkey FOREIGN KEY (actor_user_id) REFERENCES users (id) ON DELETE SET NULL;
