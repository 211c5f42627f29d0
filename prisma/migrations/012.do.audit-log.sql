-- The audit log becomes evidence: who acted (a person, a partner client, the directory sync or the
-- platform itself), from which request and address, and a hash chain per publisher that shows
-- any later change of an entry. Append-only is the database's rule, not a convention: no
-- application role may update or delete, and a trigger refuses both for everyone but the
-- deletion of a whole publisher.

DO $$ BEGIN RAISE NOTICE '012 step 1/4: who, from where'; END $$;
-- An entry keeps the id of its actor even once the user is gone: the log outlives its subjects.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_user_id_fkey;
ALTER TABLE audit_log
  ADD COLUMN actor_type text NOT NULL DEFAULT 'USER'
    CHECK (actor_type IN ('USER', 'PARTNER_CLIENT', 'DIRECTORY_SYNC', 'SYSTEM')),
  ADD COLUMN actor_partner_client_id uuid,
  ADD COLUMN request_id text CHECK (length(request_id) <= 200),
  ADD COLUMN client_ip text CHECK (length(client_ip) <= 100),
  ADD COLUMN seq bigint,
  ADD COLUMN prev_hash bytea,
  ADD COLUMN hash bytea;
-- Entries written before this migration by nobody in particular were the platform's own.
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
UPDATE audit_log SET actor_type = 'SYSTEM' WHERE actor_user_id IS NULL;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log ALTER COLUMN actor_type DROP DEFAULT;

DO $$ BEGIN RAISE NOTICE '012 step 2/4: the hash chain'; END $$;
-- What an entry's hash covers: the previous entry's hash, then every field of the entry as a JSON
-- array of strings (nulls as null). `pnpm audit:verify` computes the same in TypeScript from the
-- same field texts, so a change of any field, or of the order, shows.
CREATE FUNCTION app_audit_entry_text(e audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '[' || concat_ws(',',
    coalesce(to_json(e.publisher_id::text)::text, 'null'),
    coalesce(to_json(e.seq::text)::text, 'null'),
    coalesce(to_json(e.id::text)::text, 'null'),
    coalesce(to_json(e.actor_type)::text, 'null'),
    coalesce(to_json(e.actor_user_id::text)::text, 'null'),
    coalesce(to_json(e.actor_partner_client_id::text)::text, 'null'),
    coalesce(to_json(e.action)::text, 'null'),
    coalesce(to_json(e.entity_type)::text, 'null'),
    coalesce(to_json(e.entity_id)::text, 'null'),
    coalesce(to_json(e.request_id)::text, 'null'),
    coalesce(to_json(e.client_ip)::text, 'null'),
    coalesce(to_json(to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'null'),
    coalesce(to_json(e.data::text)::text, 'null')) || ']'
$$;

-- Each new entry takes the next number of its publisher's chain and the hash of the entry before
-- it. A lock per publisher orders the writers; it is held from the entry to the end of its
-- transaction, which is what makes the chain one line (the unique index below proves it).
CREATE FUNCTION app_audit_chain() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last audit_log;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit-chain:' || NEW.publisher_id::text, 0));
  SELECT * INTO last FROM audit_log WHERE publisher_id = NEW.publisher_id ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := last.hash;
  NEW.hash := sha256(coalesce(last.hash, '\x'::bytea) || convert_to(app_audit_entry_text(NEW), 'UTF8'));
  RETURN NEW;
END $$;

-- Entries already there are chained in their order of writing, per publisher (by the owner,
-- over every publisher's rows).
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
DO $$
DECLARE
  e audit_log;
  previous bytea;
  current_publisher uuid;
  n bigint;
BEGIN
  FOR e IN SELECT * FROM audit_log ORDER BY publisher_id, created_at, id LOOP
    IF current_publisher IS DISTINCT FROM e.publisher_id THEN
      current_publisher := e.publisher_id;
      previous := NULL;
      n := 0;
    END IF;
    n := n + 1;
    e.seq := n;
    e.prev_hash := previous;
    e.hash := sha256(coalesce(previous, '\x'::bytea) || convert_to(app_audit_entry_text(e), 'UTF8'));
    UPDATE audit_log SET seq = e.seq, prev_hash = e.prev_hash, hash = e.hash WHERE publisher_id = e.publisher_id AND id = e.id;
    previous := e.hash;
  END LOOP;
END $$;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_idx ON audit_log (publisher_id, seq);
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION app_audit_chain();
DO $$
BEGIN
  -- The chain reads the newest entry of any publisher whatever the writer's scope.
  EXECUTE format('CREATE POLICY audit_chain ON audit_log FOR SELECT TO %I USING (true)', current_user);
END $$;

DO $$ BEGIN RAISE NOTICE '012 step 3/4: append-only'; END $$;
-- Nothing changes an entry once written, and nothing removes one, for any role (the owner and a
-- superuser included, short of dropping the trigger). Only the deletion of a whole publisher
-- takes its log with it (the cascade runs once the publisher row is gone; offboarding exports
-- the log first).
CREATE FUNCTION app_audit_append_only() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM publishers p WHERE p.id = OLD.publisher_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'The audit log is append-only: entries are never changed or removed'
    USING ERRCODE = 'PP002';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION app_audit_append_only();
CREATE FUNCTION app_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The audit log is append-only: it cannot be truncated' USING ERRCODE = 'PP002';
END $$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION app_audit_no_truncate();
-- The application appends and reads; it never had more, and now it is written down.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM platform_app;

DO $$ BEGIN RAISE NOTICE '012 step 4/4: reading by actor, action, target and time'; END $$;
CREATE INDEX audit_log_actor_idx ON audit_log (publisher_id, actor_user_id, seq);
CREATE INDEX audit_log_target_idx ON audit_log (publisher_id, entity_id, seq);
CREATE INDEX audit_log_action_idx ON audit_log (publisher_id, action, seq);
