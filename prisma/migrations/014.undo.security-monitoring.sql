DROP POLICY probe_checks ON recordings;
DROP POLICY probe_checks ON songwriters;
DROP POLICY probe_checks ON works;
DROP POLICY security_monitoring ON security_events;
DROP POLICY security_monitoring ON outbox;
DROP POLICY security_monitoring ON audit_log;
DROP TRIGGER security_events_written ON security_events;
DROP FUNCTION app_security_events_written();
DROP FUNCTION app_security_kind_is_anonymous(text);
DROP FUNCTION app_record_security_events(jsonb);
DROP FUNCTION app_exists_in_another_publisher(uuid, uuid);
-- audit_log keeps admitting ANONYMOUS actors: entries of anonymous callers are never removed.
DROP TABLE security_alerts;
DROP TABLE security_alert_rules;
GRANT INSERT ON security_events TO platform_app;
DROP INDEX security_events_kind_idx;
ALTER TABLE security_events DROP COLUMN occurrences, DROP COLUMN request_id, DROP COLUMN partner_client_id;
