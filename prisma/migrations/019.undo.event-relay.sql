-- Back to an outbox without a relay: dead letters go back among the undelivered events, so that
-- nothing the platform recorded is lost by the rollback.
DROP FUNCTION app_outbox_claim(integer, integer);
DROP FUNCTION app_outbox_delivered(uuid[], uuid[]);
DROP FUNCTION app_outbox_refused(uuid, uuid, text, integer, integer);
DROP FUNCTION app_outbox_unsent_dead_letters(integer);
DROP FUNCTION app_outbox_dead_letters_sent(uuid[], uuid[]);
DROP FUNCTION app_outbox_prune(integer, integer);
DROP FUNCTION app_outbox_dead_letter_counts();
DROP TRIGGER outbox_sequence ON outbox;
DROP FUNCTION app_outbox_sequence();
DROP POLICY relay ON outbox;
DROP POLICY relay_prune ON outbox;
ALTER TABLE outbox NO FORCE ROW LEVEL SECURITY;
ALTER TABLE outbox_dead_letters NO FORCE ROW LEVEL SECURITY;
INSERT INTO outbox (publisher_id, id, aggregate_type, aggregate_id, event_type, payload, created_at, seq,
                    actor_type, actor_user_id, actor_partner_client_id)
SELECT publisher_id, id, aggregate_type, aggregate_id, event_type, payload, created_at, seq,
       actor_type, actor_user_id, actor_partner_client_id FROM outbox_dead_letters;
-- The actor goes back inside the payload, where 003-018 kept it.
UPDATE outbox SET payload = payload || jsonb_build_object('actorType', actor_type, 'actorUserId', actor_user_id,
  'occurredAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
DROP TABLE outbox_dead_letters;
DROP TABLE outbox_streams;
DROP INDEX outbox_pending_idx;
DROP INDEX outbox_sequence_idx;
ALTER TABLE outbox DROP COLUMN seq, DROP COLUMN attempts, DROP COLUMN last_error, DROP COLUMN actor_type,
  DROP COLUMN actor_user_id, DROP COLUMN actor_partner_client_id;
CREATE OR REPLACE FUNCTION app_security_events_written() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r record;
  seen bigint;
  alert_id uuid;
BEGIN
  -- Every rule lock of the batch first, in order, before any audit entry takes its chain's lock:
  -- two batches then never wait for each other in a circle.
  PERFORM pg_advisory_xact_lock(hashtextextended('security-alert:' || t.publisher_id::text || ':' || t.kind, 0))
     FROM (SELECT DISTINCT publisher_id, kind FROM added WHERE publisher_id IS NOT NULL ORDER BY publisher_id, kind) t;
  FOR r IN
    SELECT t.publisher_id, rule.id, rule.kind, rule.threshold, rule.window_seconds, rule.severity
      FROM (SELECT DISTINCT publisher_id, kind FROM added WHERE publisher_id IS NOT NULL) t
      CROSS JOIN LATERAL (
        SELECT x.* FROM security_alert_rules x
         WHERE x.kind = t.kind AND (x.publisher_id = t.publisher_id OR x.publisher_id IS NULL)
         ORDER BY x.publisher_id NULLS LAST LIMIT 1) rule
     ORDER BY t.publisher_id, rule.kind
  LOOP
    CONTINUE WHEN EXISTS (
      SELECT 1 FROM security_alerts s
       WHERE s.publisher_id = r.publisher_id AND s.kind = r.kind
         AND s.raised_at > clock_timestamp() - make_interval(secs => r.window_seconds));
    SELECT coalesce(sum(e.occurrences), 0) INTO seen FROM security_events e
     WHERE e.publisher_id = r.publisher_id AND e.kind = r.kind
       AND e.occurred_at > clock_timestamp() - make_interval(secs => r.window_seconds);
    CONTINUE WHEN seen < r.threshold;
    INSERT INTO security_alerts (publisher_id, rule_id, kind, severity, threshold, window_seconds, observed, raised_at)
    VALUES (r.publisher_id, r.id, r.kind, r.severity, r.threshold, r.window_seconds, seen, clock_timestamp())
    RETURNING id INTO alert_id;
    INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, payload)
    VALUES (r.publisher_id, 'security_alert', alert_id::text, 'security.alert_raised',
            jsonb_build_object('kind', r.kind, 'severity', r.severity, 'threshold', r.threshold,
                               'windowSeconds', r.window_seconds, 'observed', seen, 'actorType', 'SYSTEM',
                               'occurredAt', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    INSERT INTO audit_log (publisher_id, actor_type, action, entity_type, entity_id, data)
    VALUES (r.publisher_id, 'SYSTEM', 'security.alert_raised', 'security_alert', alert_id::text,
            jsonb_build_object('kind', r.kind, 'severity', r.severity, 'threshold', r.threshold,
                               'windowSeconds', r.window_seconds, 'observed', seen));
  END LOOP;

  INSERT INTO audit_log (publisher_id, actor_type, actor_user_id, actor_partner_client_id, action, entity_type, entity_id,
                         request_id, client_ip, data)
  SELECT e.publisher_id,
         CASE WHEN e.partner_client_id IS NOT NULL THEN 'PARTNER_CLIENT'
              WHEN app_security_kind_is_anonymous(e.kind) THEN 'ANONYMOUS'
              WHEN e.user_id IS NOT NULL THEN 'USER'
              ELSE 'SYSTEM' END,
         CASE WHEN app_security_kind_is_anonymous(e.kind) THEN NULL ELSE e.user_id END,
         e.partner_client_id, 'security.' || e.kind, 'security_event', e.id::text, e.request_id, e.client_ip,
         e.data || jsonb_build_object('occurrences', e.occurrences)
           || CASE WHEN e.user_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('userId', e.user_id) END
    FROM added e
   WHERE e.publisher_id IS NOT NULL
   ORDER BY e.publisher_id, e.occurred_at;
  RETURN NULL;
END $$;
