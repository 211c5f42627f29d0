-- The relay that delivers the outbox to SQS (subgraphs/publishers/src/events/). Each publisher's
-- events are numbered in the order their transactions commit; the relay claims a publisher's
-- stream with FOR UPDATE SKIP LOCKED, so several relays never send one publisher's events out of
-- order; an event SQS refuses again and again is parked in a dead-letter table after the relay's
-- limit, and its publisher's later events go on.
DO $$ BEGIN RAISE NOTICE '019 step 1/4: numbering each publisher''s events'; END $$;
ALTER TABLE outbox
  ADD COLUMN seq bigint,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error text,
  ADD COLUMN actor_type text NOT NULL DEFAULT 'SYSTEM',
  ADD COLUMN actor_user_id uuid,
  ADD COLUMN actor_partner_client_id uuid;

-- Events written before the relay existed: numbered per publisher in their order of writing, and
-- the actor they carried inside their payload moved to its columns (the envelope carries it).
ALTER TABLE outbox NO FORCE ROW LEVEL SECURITY;
UPDATE outbox o SET seq = n.seq,
                    actor_type = coalesce(o.payload ->> 'actorType', 'SYSTEM'),
                    actor_user_id = (o.payload ->> 'actorUserId')::uuid,
                    payload = o.payload - 'actorType' - 'actorUserId' - 'occurredAt'
  FROM (SELECT publisher_id, id, row_number() OVER (PARTITION BY publisher_id ORDER BY created_at, id) AS seq FROM outbox) n
 WHERE o.publisher_id = n.publisher_id AND o.id = n.id;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
ALTER TABLE outbox ALTER COLUMN seq SET NOT NULL,
  ADD CONSTRAINT outbox_actor_type_check
    CHECK (actor_type IN ('USER', 'PARTNER_CLIENT', 'PLATFORM_OPERATOR', 'SUPPORT_ACCESS', 'DIRECTORY_SYNC', 'SYSTEM'));
CREATE UNIQUE INDEX outbox_sequence_idx ON outbox (publisher_id, seq);
CREATE INDEX outbox_pending_idx ON outbox (publisher_id, seq) WHERE published_at IS NULL;

DO $$ BEGIN RAISE NOTICE '019 step 2/4: delivery streams and dead letters'; END $$;
-- One row per publisher that has events: what a relay locks while it sends them, when the
-- publisher's next attempt is due after a refusal, and when it was last served (fairness).
CREATE TABLE outbox_streams (
  publisher_id    uuid PRIMARY KEY REFERENCES publishers (id) ON DELETE CASCADE,
  next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
  served_at       timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO outbox_streams (publisher_id) SELECT DISTINCT publisher_id FROM outbox;

-- Events SQS refused until the relay gave up on them, kept whole; `dlq_sent_at` says when the
-- dead-letter queue heard of one (null while SQS could not be reached).
CREATE TABLE outbox_dead_letters (
  publisher_id   uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  seq            bigint NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id   text NOT NULL,
  event_type     text NOT NULL,
  payload        jsonb NOT NULL,
  created_at     timestamptz NOT NULL,
  actor_type     text NOT NULL,
  actor_user_id  uuid,
  actor_partner_client_id uuid,
  attempts       integer NOT NULL,
  last_error     text NOT NULL,
  parked_at      timestamptz NOT NULL DEFAULT now(),
  dlq_sent_at    timestamptz,
  PRIMARY KEY (publisher_id, id)
);
CREATE INDEX outbox_dead_letters_unsent_idx ON outbox_dead_letters (publisher_id, seq) WHERE dlq_sent_at IS NULL;

-- A publisher reads its own; nobody writes either table but the owner's functions below.
ALTER TABLE outbox_streams ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_streams FORCE ROW LEVEL SECURITY;
ALTER TABLE outbox_dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_dead_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY publisher_isolation ON outbox_streams FOR SELECT TO platform_app
  USING (publisher_id = (SELECT app_current_publisher()));
CREATE POLICY publisher_isolation ON outbox_dead_letters FOR SELECT TO platform_app
  USING (publisher_id = (SELECT app_current_publisher()));
GRANT SELECT ON outbox_streams, outbox_dead_letters TO platform_app;

DO $$ BEGIN RAISE NOTICE '019 step 3/4: the order of writing'; END $$;
-- Each new event takes its publisher's next number under the lock its audit entry takes (012):
-- the lock is held to the end of the transaction, so numbers follow the order of commits and a
-- rolled-back event leaves no gap. A publisher's first event opens its stream.
CREATE FUNCTION app_outbox_sequence() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit-chain:' || NEW.publisher_id::text, 0));
  NEW.seq := coalesce((SELECT max(o.seq) FROM outbox o WHERE o.publisher_id = NEW.publisher_id), 0) + 1;
  IF NEW.seq = 1 THEN
    INSERT INTO outbox_streams (publisher_id) VALUES (NEW.publisher_id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_sequence BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION app_outbox_sequence();

-- The security alerts' events (014) name their actor in its column now.
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
    INSERT INTO outbox (publisher_id, aggregate_type, aggregate_id, event_type, actor_type, payload)
    VALUES (r.publisher_id, 'security_alert', alert_id::text, 'security.alert_raised', 'SYSTEM',
            jsonb_build_object('kind', r.kind, 'severity', r.severity, 'threshold', r.threshold,
                               'windowSeconds', r.window_seconds, 'observed', seen));
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

DO $$ BEGIN RAISE NOTICE '019 step 4/4: the relay''s functions'; END $$;
-- Claims up to p_streams publishers with events due, least recently served first, each locked
-- for this transaction (SKIP LOCKED: another relay takes the next ones), and answers each one's
-- first p_events undelivered events in order. The relay sends them, then marks them in the same
-- transaction; a relay that dies in between leaves them undelivered, to be sent again.
CREATE FUNCTION app_outbox_claim(p_streams integer, p_events integer)
  RETURNS TABLE (publisher_id uuid, id uuid, seq bigint, aggregate_type text, aggregate_id text, event_type text,
                 payload jsonb, created_at timestamptz, actor_type text, actor_user_id uuid, actor_partner_client_id uuid,
                 attempts integer)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  claimed uuid[];
BEGIN
  -- The publishers with undelivered events, one index probe each (a skip scan of outbox_pending_idx).
  WITH RECURSIVE pending AS (
    (SELECT o.publisher_id FROM outbox o WHERE o.published_at IS NULL ORDER BY o.publisher_id LIMIT 1)
    UNION ALL
    SELECT (SELECT o.publisher_id FROM outbox o
             WHERE o.published_at IS NULL AND o.publisher_id > p.publisher_id ORDER BY o.publisher_id LIMIT 1)
      FROM pending p WHERE p.publisher_id IS NOT NULL
  ), chosen AS (
    SELECT s.publisher_id FROM outbox_streams s
     WHERE s.publisher_id IN (SELECT p.publisher_id FROM pending p WHERE p.publisher_id IS NOT NULL)
       AND s.next_attempt_at <= now()
     ORDER BY s.served_at, s.publisher_id
     LIMIT p_streams
       FOR UPDATE SKIP LOCKED
  ), served AS (
    UPDATE outbox_streams s SET served_at = clock_timestamp()
      FROM chosen WHERE s.publisher_id = chosen.publisher_id
    RETURNING s.publisher_id
  )
  SELECT array_agg(served.publisher_id) INTO claimed FROM served;
  IF claimed IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT e.publisher_id, e.id, e.seq, e.aggregate_type, e.aggregate_id, e.event_type, e.payload, e.created_at,
           e.actor_type, e.actor_user_id, e.actor_partner_client_id, e.attempts
      FROM unnest(claimed) AS c(publisher_id)
      CROSS JOIN LATERAL (
        SELECT o.* FROM outbox o
         WHERE o.publisher_id = c.publisher_id AND o.published_at IS NULL
         ORDER BY o.seq LIMIT p_events FOR UPDATE) e
     ORDER BY e.publisher_id, e.seq;
END $$;

-- Marks delivered what SQS accepted (ids of one claim); the count of rows marked.
CREATE FUNCTION app_outbox_delivered(p_publishers uuid[], p_ids uuid[]) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  marked integer;
BEGIN
  UPDATE outbox o SET published_at = now(), last_error = NULL
    FROM unnest(p_publishers, p_ids) AS d(publisher_id, id)
   WHERE o.publisher_id = d.publisher_id AND o.id = d.id AND o.published_at IS NULL;
  GET DIAGNOSTICS marked = ROW_COUNT;
  UPDATE outbox_streams s SET next_attempt_at = '-infinity'
   WHERE s.publisher_id = ANY (p_publishers) AND s.next_attempt_at > '-infinity';
  RETURN marked;
END $$;

-- SQS refused one event: counted, and its publisher waits p_delay_ms before its next attempt (the
-- events after it wait too: order is kept). At p_park_after attempts the event is moved to the
-- dead letters and the publisher goes on at once. True when the event was parked.
CREATE FUNCTION app_outbox_refused(p_publisher uuid, p_id uuid, p_error text, p_delay_ms integer, p_park_after integer)
  RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  e outbox;
BEGIN
  UPDATE outbox o SET attempts = o.attempts + 1, last_error = left(p_error, 1000)
   WHERE o.publisher_id = p_publisher AND o.id = p_id AND o.published_at IS NULL
  RETURNING o.* INTO e;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF e.attempts < p_park_after THEN
    UPDATE outbox_streams SET next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
     WHERE publisher_id = p_publisher;
    RETURN false;
  END IF;
  INSERT INTO outbox_dead_letters (publisher_id, id, seq, aggregate_type, aggregate_id, event_type, payload, created_at,
                                   actor_type, actor_user_id, actor_partner_client_id, attempts, last_error)
  VALUES (e.publisher_id, e.id, e.seq, e.aggregate_type, e.aggregate_id, e.event_type, e.payload, e.created_at,
          e.actor_type, e.actor_user_id, e.actor_partner_client_id, e.attempts, e.last_error);
  DELETE FROM outbox o WHERE o.publisher_id = p_publisher AND o.id = p_id;
  UPDATE outbox_streams SET next_attempt_at = '-infinity' WHERE publisher_id = p_publisher;
  RETURN true;
END $$;

-- Dead letters the dead-letter queue has not heard of yet, locked for this transaction.
CREATE FUNCTION app_outbox_unsent_dead_letters(p_limit integer) RETURNS SETOF outbox_dead_letters
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM outbox_dead_letters WHERE dlq_sent_at IS NULL ORDER BY publisher_id, seq LIMIT p_limit FOR UPDATE SKIP LOCKED
$$;

CREATE FUNCTION app_outbox_dead_letters_sent(p_publishers uuid[], p_ids uuid[]) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  marked integer;
BEGIN
  UPDATE outbox_dead_letters d SET dlq_sent_at = now()
    FROM unnest(p_publishers, p_ids) AS s(publisher_id, id)
   WHERE d.publisher_id = s.publisher_id AND d.id = s.id AND d.dlq_sent_at IS NULL;
  GET DIAGNOSTICS marked = ROW_COUNT;
  RETURN marked;
END $$;

-- Delivered events older than the retention are deleted, a batch at a time; the count deleted.
CREATE FUNCTION app_outbox_prune(p_older_than_seconds integer, p_limit integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  removed integer;
BEGIN
  DELETE FROM outbox o USING (
    SELECT x.publisher_id, x.id FROM outbox x
     WHERE x.published_at < now() - make_interval(secs => p_older_than_seconds)
     LIMIT p_limit FOR UPDATE SKIP LOCKED) old
   WHERE o.publisher_id = old.publisher_id AND o.id = old.id;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;

-- What the metrics add to app_outbox_backlog: the dead letters, and those the DLQ lacks.
CREATE FUNCTION app_outbox_dead_letter_counts() RETURNS TABLE (parked bigint, unsent bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT count(*), count(*) FILTER (WHERE dlq_sent_at IS NULL) FROM outbox_dead_letters
$$;

DO $$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['app_outbox_claim(integer, integer)', 'app_outbox_delivered(uuid[], uuid[])',
                           'app_outbox_refused(uuid, uuid, text, integer, integer)', 'app_outbox_unsent_dead_letters(integer)',
                           'app_outbox_dead_letters_sent(uuid[], uuid[])', 'app_outbox_prune(integer, integer)',
                           'app_outbox_dead_letter_counts()'] LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO platform_app', f);
  END LOOP;
  -- The owner's functions act across publishers; the tables force row-level security on it too.
  EXECUTE format('CREATE POLICY relay ON outbox FOR UPDATE TO %I USING (true) WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY relay_prune ON outbox FOR DELETE TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY relay ON outbox_streams TO %I USING (true) WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY relay ON outbox_dead_letters TO %I USING (true) WITH CHECK (true)', current_user);
  -- Offboarding reaches every table with a publisher_id through this policy (018).
  EXECUTE format('CREATE POLICY offboarding ON outbox_streams TO %I USING (publisher_id = app_offboarding_publisher())', current_user);
  EXECUTE format('CREATE POLICY offboarding ON outbox_dead_letters TO %I USING (publisher_id = app_offboarding_publisher())', current_user);
END $$;
