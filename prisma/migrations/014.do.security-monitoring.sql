-- Security monitoring: every service reports what looks like an attack or a mistake (failed
-- sign-ins, denied operations, probes of other publishers' ids, the legacy tenant header, misused
-- partner keys) through one function, which attributes each event to the publishers it concerns,
-- writes it to their audit log, and raises an alert when a rule's threshold is reached.

DO $$ BEGIN RAISE NOTICE '014 step 1/5: security events: from which request, how often'; END $$;
ALTER TABLE security_events
  ADD COLUMN partner_client_id uuid,
  ADD COLUMN request_id text CHECK (length(request_id) <= 200),
  -- Services add up identical events between two writes (the same caller denied the same
  -- operation 40 times in a second is one row): a flood costs rows per caller, not per request.
  ADD COLUMN occurrences integer NOT NULL DEFAULT 1 CHECK (occurrences > 0);
CREATE INDEX security_events_kind_idx ON security_events (publisher_id, kind, occurred_at);
-- Events are written only by app_record_security_events below, which decides their publisher.
REVOKE INSERT ON security_events FROM platform_app;

DO $$ BEGIN RAISE NOTICE '014 step 2/5: alert rules and alerts'; END $$;
-- A rule: `threshold` events of `kind` within `window_seconds` in one publisher raise an alert.
-- A rule without a publisher is the platform's default; a publisher's own rule for the kind
-- replaces it.
CREATE TABLE security_alert_rules (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  publisher_id   uuid REFERENCES publishers (id) ON DELETE CASCADE,
  kind           text NOT NULL,
  threshold      integer NOT NULL CHECK (threshold BETWEEN 1 AND 1000000),
  window_seconds integer NOT NULL CHECK (window_seconds BETWEEN 60 AND 86400),
  severity       text NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH')),
  UNIQUE NULLS NOT DISTINCT (publisher_id, kind)
);
INSERT INTO security_alert_rules (kind, threshold, window_seconds, severity) VALUES
  ('login.failed',                 10,  300, 'MEDIUM'),
  ('login.locked_out',              3,  900, 'HIGH'),
  ('session.refresh_token_reused',  1, 3600, 'HIGH'),
  ('operation.denied',             50,  300, 'MEDIUM'),
  ('probe.cross_publisher',         5,  300, 'HIGH'),
  ('partner_key.misused',          20,  300, 'MEDIUM');

CREATE TABLE security_alerts (
  publisher_id   uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  rule_id        uuid NOT NULL REFERENCES security_alert_rules (id) ON DELETE CASCADE,
  kind           text NOT NULL,
  severity       text NOT NULL,
  threshold      integer NOT NULL,
  window_seconds integer NOT NULL,
  observed       bigint NOT NULL,
  raised_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publisher_id, id)
);
CREATE INDEX security_alerts_recent_idx ON security_alerts (publisher_id, raised_at);

ALTER TABLE security_alert_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY rule_in_force ON security_alert_rules FOR SELECT
  USING (publisher_id IS NULL OR publisher_id = app_current_publisher());
ALTER TABLE security_alert_rules FORCE ROW LEVEL SECURITY;
ALTER TABLE security_alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY publisher_isolation ON security_alerts FOR SELECT USING (publisher_id = app_current_publisher());
ALTER TABLE security_alerts FORCE ROW LEVEL SECURITY;
-- Read by the application; written by the database alone (the trigger below).
GRANT SELECT ON security_alert_rules, security_alerts TO platform_app;

DO $$ BEGIN RAISE NOTICE '014 step 3/5: the audit log knows anonymous callers'; END $$;
-- A failed sign-in is made by someone who has not proved who they are: its entry names the person
-- it concerns as the target, never as the actor.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check,
  ADD CONSTRAINT audit_log_actor_type_check
    CHECK (actor_type IN ('USER', 'PARTNER_CLIENT', 'DIRECTORY_SYNC', 'SYSTEM', 'ANONYMOUS'));

DO $$ BEGIN RAISE NOTICE '014 step 4/5: recording events'; END $$;
-- Whether an id is a row of another publisher than `p_publisher`: a NOT_FOUND on such an id is a
-- probe. Looked up by id alone on (publisher_id, id) keys, which PostgreSQL 18 answers with a
-- skip scan of each primary key.
CREATE FUNCTION app_exists_in_another_publisher(p_id uuid, p_publisher uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_id IS NOT NULL AND (
       EXISTS (SELECT 1 FROM works t WHERE t.id = p_id AND t.publisher_id <> p_publisher)
    OR EXISTS (SELECT 1 FROM songwriters t WHERE t.id = p_id AND t.publisher_id <> p_publisher)
    OR EXISTS (SELECT 1 FROM recordings t WHERE t.id = p_id AND t.publisher_id <> p_publisher)
    OR EXISTS (SELECT 1 FROM roles t WHERE t.id = p_id AND t.publisher_id <> p_publisher)
    OR EXISTS (SELECT 1 FROM invitations t WHERE t.id = p_id AND t.publisher_id <> p_publisher)
    OR EXISTS (SELECT 1 FROM partner_clients t WHERE t.id = p_id AND t.publisher_id <> p_publisher)
    OR EXISTS (SELECT 1 FROM user_publishers t WHERE t.user_id = p_id AND t.publisher_id <> p_publisher))
$$;
REVOKE ALL ON FUNCTION app_exists_in_another_publisher(uuid, uuid) FROM PUBLIC;

-- Writes a batch of events as services report them (JSON objects with the columns' names, plus
-- `probed_id` for a probe) and answers what it kept, by kind, for the platform-wide metrics.
--  * A probe is kept only when its id exists in another publisher; the caller never learns which.
--  * An event about a person outside any publisher (a failed sign-in) belongs to every publisher
--    the person may enter: each one's admins see it. Otherwise it is the platform's alone.
CREATE FUNCTION app_record_security_events(p_events jsonb)
  RETURNS TABLE (kind text, occurrences bigint)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH incoming AS (
    SELECT e.* FROM jsonb_to_recordset(p_events) AS e(
      kind text, publisher_id uuid, user_id uuid, session_id uuid, partner_client_id uuid, client_ip text,
      user_agent text, request_id text, probed_id uuid, data jsonb, occurrences integer)
  ), kept AS (
    SELECT i.* FROM incoming i
     WHERE i.kind <> 'probe.cross_publisher' OR app_exists_in_another_publisher(i.probed_id, i.publisher_id)
  ), person_publishers AS (
    SELECT DISTINCT k.user_id, p.id AS publisher_id
      FROM (SELECT DISTINCT user_id FROM kept WHERE publisher_id IS NULL AND user_id IS NOT NULL) k
      JOIN publishers p ON p.status = 'ACTIVE'
     WHERE EXISTS (SELECT 1 FROM user_publishers m WHERE m.publisher_id = p.id AND m.user_id = k.user_id AND m.status = 'ACTIVE')
        OR EXISTS (SELECT 1 FROM account_members am WHERE am.account_id = p.account_id AND am.user_id = k.user_id)
  ), attributed AS (
    SELECT k.*, k.publisher_id AS target FROM kept k WHERE k.publisher_id IS NOT NULL
    UNION ALL
    SELECT k.*, pp.publisher_id FROM kept k JOIN person_publishers pp ON pp.user_id = k.user_id WHERE k.publisher_id IS NULL
    UNION ALL
    SELECT k.*, NULL FROM kept k
     WHERE k.publisher_id IS NULL AND NOT EXISTS (SELECT 1 FROM person_publishers pp WHERE pp.user_id = k.user_id)
  ), written AS (
    -- A data-modifying WITH runs to completion whether or not the outer query reads it.
    INSERT INTO security_events
      (kind, publisher_id, user_id, session_id, partner_client_id, client_ip, user_agent, request_id, data, occurrences)
    SELECT a.kind, a.target, a.user_id, a.session_id, a.partner_client_id, left(a.client_ip, 100), left(a.user_agent, 512),
           left(a.request_id, 200),
           coalesce(a.data, '{}') || CASE WHEN a.probed_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('probedId', a.probed_id) END,
           greatest(coalesce(a.occurrences, 1), 1)
      FROM attributed a
  )
  SELECT k.kind, sum(greatest(coalesce(k.occurrences, 1), 1))::bigint FROM kept k GROUP BY k.kind
$$;
REVOKE ALL ON FUNCTION app_record_security_events(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_record_security_events(jsonb) TO platform_app;

DO $$ BEGIN RAISE NOTICE '014 step 5/5: into the audit log, and alerts'; END $$;
-- Kinds whose caller has not proved who they are (the person is the target, not the actor).
CREATE FUNCTION app_security_kind_is_anonymous(p_kind text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT p_kind LIKE 'login.%' OR p_kind = 'password.reset_requested'
$$;

-- After each batch: each rule of a kind just written is checked in each publisher concerned,
-- then every event of a publisher becomes an entry of its audit log (chained like any other). A
-- lock per publisher and rule, taken before anything else, makes concurrent batches check one
-- after the other, so a burst raises one alert per window, never two; the alert goes to the
-- outbox, delivered like every event.
CREATE FUNCTION app_security_events_written() RETURNS trigger LANGUAGE plpgsql
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
CREATE TRIGGER security_events_written AFTER INSERT ON security_events
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION app_security_events_written();

DO $$
BEGIN
  -- The trigger writes every publisher's rows of a batch at once, as the owner.
  EXECUTE format('CREATE POLICY security_monitoring ON audit_log FOR INSERT TO %I WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY security_monitoring ON outbox FOR INSERT TO %I WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY security_monitoring ON security_alerts TO %I USING (true) WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY security_monitoring ON security_alert_rules FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY security_monitoring ON security_events FOR SELECT TO %I USING (true)', current_user);
  -- A probe's id is looked for in every publisher's catalog (publishers, members, roles,
  -- invitations and partner clients are readable to the owner since 006-009).
  EXECUTE format('CREATE POLICY probe_checks ON works FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY probe_checks ON songwriters FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY probe_checks ON recordings FOR SELECT TO %I USING (true)', current_user);
END $$;
