-- Offboarding: a suspended publisher's data leaves the platform. An operator (platform:offboard)
-- starts it, takes the export (every row the publisher owns, as NDJSON per table), and then the
-- deletion removes those rows table by table in batches, one transaction each, recording its
-- progress so that a crash resumes where it stopped. The application role deletes nothing of
-- this itself: the functions below run as the owner, after checking the caller and the
-- publisher's state, and see one publisher's rows only through the owner's `offboarding`
-- policies, which answer for the publisher named in a transaction-local setting.

DO $$ BEGIN RAISE NOTICE '018 step 1/3: the offboarding record'; END $$;
-- Not a foreign key: the record (what was exported and deleted) outlives the publisher.
CREATE TABLE publisher_offboardings (
  publisher_id uuid PRIMARY KEY,
  slug         text NOT NULL,
  account_id   uuid NOT NULL,
  started_by   uuid NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  exported_at  timestamptz,
  -- Rows per table in the export, and deleted so far.
  exported     jsonb NOT NULL DEFAULT '{}',
  deleted      jsonb NOT NULL DEFAULT '{}',
  finished_at  timestamptz
);
ALTER TABLE publisher_offboardings ENABLE ROW LEVEL SECURITY;
CREATE POLICY platform_read ON publisher_offboardings FOR SELECT TO platform_app USING ((SELECT app_platform_can('platform:read')));
ALTER TABLE publisher_offboardings FORCE ROW LEVEL SECURITY;
GRANT SELECT ON publisher_offboardings TO platform_app;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY offboarding ON publisher_offboardings TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

DO $$ BEGIN RAISE NOTICE '018 step 2/3: the owner sees the publisher being offboarded, and nothing else'; END $$;
CREATE FUNCTION app_offboarding_publisher() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.offboarding_publisher_id', true), '')::uuid $$;

-- The tables a publisher owns rows of: every table with a publisher_id, but the platform's own
-- records of what operators did. A table added later is found here by the same rule; its
-- `offboarding` policy is added by its migration (a spec checks every such table has one).
CREATE FUNCTION app_publisher_tables() RETURNS TABLE (table_name text, parents text[])
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.relname::text,
         coalesce((SELECT array_agg(DISTINCT p.relname::text ORDER BY p.relname::text)
                     FROM pg_constraint k JOIN pg_class p ON p.oid = k.confrelid
                    WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid), '{}')
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
   WHERE c.relkind = 'r'
     AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'publisher_id' AND NOT a.attisdropped)
     AND c.relname NOT IN ('platform_audit_log', 'publisher_offboardings')
   ORDER BY c.relname
$$;

DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT table_name FROM app_publisher_tables() LOOP
    EXECUTE format('CREATE POLICY offboarding ON %I TO %I USING (publisher_id = app_offboarding_publisher())', t, current_user);
  END LOOP;
  EXECUTE format('CREATE POLICY offboarding ON publishers TO %I USING (id = app_offboarding_publisher())', current_user);
END $$;

DO $$ BEGIN RAISE NOTICE '018 step 3/3: starting, exporting and deleting, for operators with platform:offboard'; END $$;
-- The checks every step makes: an operator with platform:offboard, and a known table.
CREATE FUNCTION app_offboarding_check(p_table text) RETURNS void LANGUAGE plpgsql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT app_platform_can('platform:offboard') THEN
    RAISE EXCEPTION 'Offboarding needs the platform:offboard permission' USING ERRCODE = '42501';
  END IF;
  IF p_table IS NOT NULL AND NOT EXISTS (SELECT 1 FROM app_publisher_tables() t WHERE t.table_name = p_table) THEN
    RAISE EXCEPTION 'No publisher owns rows of a table "%"', p_table USING ERRCODE = '22023';
  END IF;
END $$;

-- Starts (once) the offboarding of a suspended publisher; true when this call started it.
CREATE FUNCTION app_offboarding_begin(p_publisher uuid) RETURNS boolean LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  began integer;
BEGIN
  PERFORM app_offboarding_check(NULL);
  PERFORM set_config('app.offboarding_publisher_id', p_publisher::text, true);
  INSERT INTO publisher_offboardings (publisher_id, slug, account_id, started_by)
    SELECT p.id, p.slug, p.account_id, app_current_user() FROM publishers p WHERE p.id = p_publisher AND p.status = 'SUSPENDED'
    ON CONFLICT (publisher_id) DO NOTHING;
  GET DIAGNOSTICS began = ROW_COUNT;
  PERFORM set_config('app.offboarding_publisher_id', '', true);
  RETURN began > 0;
END $$;

-- Reactivating a publisher calls off its offboarding, unless the deletion has begun (then only
-- finishing it is left): false in that case.
CREATE FUNCTION app_offboarding_cancel(p_publisher uuid) RETURNS boolean LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT app_platform_can('platform:manage') THEN
    RAISE EXCEPTION 'Reactivating a publisher needs the platform:manage permission' USING ERRCODE = '42501';
  END IF;
  IF EXISTS (SELECT 1 FROM publisher_offboardings o WHERE o.publisher_id = p_publisher AND o.deleted <> '{}') THEN
    RETURN false;
  END IF;
  DELETE FROM publisher_offboardings WHERE publisher_id = p_publisher;
  RETURN true;
END $$;

-- One page of a table's rows of the publisher, after a position (its primary key's values, as
-- the previous page's last row gave them), without secrets (hashes of tokens and keys, the
-- directory's encrypted bind password). Paged on the primary key, whose index leads with
-- publisher_id: each page reads only its rows. Read while offboarding only.
CREATE FUNCTION app_offboarding_rows(p_publisher uuid, p_table text, p_after jsonb, p_limit integer)
  RETURNS TABLE (row_position jsonb, data jsonb)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  key_columns text;
  after_columns text;
  position_pairs text;
BEGIN
  PERFORM app_offboarding_check(p_table);
  IF NOT EXISTS (SELECT 1 FROM publisher_offboardings o WHERE o.publisher_id = p_publisher AND o.finished_at IS NULL) THEN
    RAISE EXCEPTION 'This publisher is not being offboarded' USING ERRCODE = '55000';
  END IF;
  SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY k.n),
         string_agg(format('a.%I', a.attname), ', ' ORDER BY k.n),
         string_agg(format('%L, t.%I', a.attname, a.attname), ', ' ORDER BY k.n)
    INTO key_columns, after_columns, position_pairs
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
   WHERE i.indrelid = format('public.%I', p_table)::regclass AND i.indisprimary;
  IF key_columns IS NULL THEN
    RAISE EXCEPTION 'The table % has no primary key to page on', p_table USING ERRCODE = '55000';
  END IF;
  PERFORM set_config('app.offboarding_publisher_id', p_publisher::text, true);
  RETURN QUERY EXECUTE format(
    'SELECT jsonb_build_object(%s), to_jsonb(t) - %L::text[] FROM %I t
      WHERE t.publisher_id = $1 AND ($2 IS NULL OR ROW(%s) > (SELECT %s FROM jsonb_populate_record(NULL::%I, $2) a))
      ORDER BY %s LIMIT $3',
    position_pairs, ARRAY['token_hash', 'refresh_token_hash', 'key_hash', 'bind_password_encrypted'], p_table,
    key_columns, after_columns, p_table, key_columns)
    USING p_publisher, p_after, p_limit;
  PERFORM set_config('app.offboarding_publisher_id', '', true);
END $$;

-- The people of the publisher's memberships, as the export names them (no password hashes).
CREATE FUNCTION app_offboarding_people(p_publisher uuid)
  RETURNS TABLE (data jsonb)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM app_offboarding_check(NULL);
  RETURN QUERY
    SELECT jsonb_build_object('id', u.id, 'email', u.email, 'display_name', u.display_name, 'status', u.status, 'created_at', u.created_at)
      FROM users u
     WHERE u.id IN (SELECT m.user_id FROM user_publishers m WHERE m.publisher_id = p_publisher)
       AND EXISTS (SELECT 1 FROM publisher_offboardings o WHERE o.publisher_id = p_publisher AND o.finished_at IS NULL)
     ORDER BY u.email;
END $$;

CREATE FUNCTION app_offboarding_exported(p_publisher uuid, p_rows jsonb) RETURNS void LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM app_offboarding_check(NULL);
  UPDATE publisher_offboardings SET exported_at = now(), exported = p_rows
   WHERE publisher_id = p_publisher AND finished_at IS NULL;
END $$;

-- Deletes up to p_limit of the publisher's rows of one table, in the caller's transaction, and
-- adds them to the record; the publisher row itself (table 'publishers') once no table holds
-- its rows. Only after the export, and only of a suspended publisher.
CREATE FUNCTION app_offboard_batch(p_publisher uuid, p_table text, p_limit integer) RETURNS integer LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  removed integer;
  exported timestamptz;
  finished timestamptz;
BEGIN
  PERFORM app_offboarding_check(CASE WHEN p_table = 'publishers' THEN NULL ELSE p_table END);
  -- One batch at a time per publisher: a second process waits here, then finds the rows gone
  -- (or the offboarding finished, and nothing to do).
  SELECT o.exported_at, o.finished_at INTO exported, finished
    FROM publisher_offboardings o WHERE o.publisher_id = p_publisher FOR UPDATE;
  IF exported IS NULL THEN
    RAISE EXCEPTION 'Export the publisher before deleting it' USING ERRCODE = '55000';
  END IF;
  IF finished IS NOT NULL THEN
    RETURN 0;
  END IF;
  IF EXISTS (SELECT 1 FROM publishers p WHERE p.id = p_publisher AND p.status <> 'SUSPENDED') THEN
    RAISE EXCEPTION 'Only a suspended publisher is offboarded' USING ERRCODE = '55000';
  END IF;
  PERFORM set_config('app.offboarding_publisher_id', p_publisher::text, true);
  IF p_table = 'publishers' THEN
    IF cardinality(app_offboarding_left(p_publisher)) > 0 THEN
      RAISE EXCEPTION 'The publisher still owns rows of %', app_offboarding_left(p_publisher) USING ERRCODE = '55000';
    END IF;
    DELETE FROM publishers WHERE id = p_publisher;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'The publisher row could not be deleted' USING ERRCODE = '55000';
    END IF;
  ELSE
    EXECUTE format('DELETE FROM %I WHERE ctid = ANY (ARRAY(SELECT ctid FROM %I WHERE publisher_id = $1 LIMIT $2))', p_table, p_table)
      USING p_publisher, p_limit;
  END IF;
  GET DIAGNOSTICS removed = ROW_COUNT;
  UPDATE publisher_offboardings
     SET deleted = jsonb_set(deleted, ARRAY[p_table], to_jsonb(coalesce((deleted ->> p_table)::bigint, 0) + removed))
   WHERE publisher_id = p_publisher;
  PERFORM set_config('app.offboarding_publisher_id', '', true);
  RETURN removed;
END $$;

-- Whether a publisher's rows are being deleted by its offboarding (exported, not finished), in
-- the owner's functions above: the rules that keep a live publisher whole do not apply to it.
CREATE FUNCTION app_offboarding_deletes(p_publisher uuid) RETURNS boolean LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_publisher = app_offboarding_publisher()
     AND EXISTS (SELECT 1 FROM publisher_offboardings o
                  WHERE o.publisher_id = p_publisher AND o.exported_at IS NOT NULL AND o.finished_at IS NULL)
$$;

-- The audit log stays append-only, but for the publisher being offboarded (after its export).
CREATE OR REPLACE FUNCTION app_audit_append_only() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (NOT EXISTS (SELECT 1 FROM publishers p WHERE p.id = OLD.publisher_id)
                           OR app_offboarding_deletes(OLD.publisher_id)) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'The audit log is append-only: entries are never changed or removed'
    USING ERRCODE = 'PP002';
END $$;

-- A publisher being offboarded loses its Owners with everyone else.
CREATE OR REPLACE FUNCTION app_assert_publisher_keeps_owner() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  pid uuid := OLD.publisher_id;
BEGIN
  IF TG_TABLE_NAME = 'membership_roles' THEN
    -- Only an Owner assignment that went away matters.
    IF NOT EXISTS (SELECT 1 FROM roles r WHERE r.publisher_id = pid AND r.id = OLD.role_id AND r.key = 'owner' AND r.is_template) THEN
      RETURN NULL;
    END IF;
  ELSIF TG_OP = 'UPDATE' AND NOT (OLD.status = 'ACTIVE' AND NEW.status IS DISTINCT FROM 'ACTIVE') THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('publisher-owners:' || pid::text, 0));
  -- A publisher being deleted keeps nothing.
  IF NOT EXISTS (SELECT 1 FROM publishers p WHERE p.id = pid)
     OR EXISTS (SELECT 1 FROM publisher_offboardings o WHERE o.publisher_id = pid AND o.exported_at IS NOT NULL AND o.finished_at IS NULL) THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM membership_roles mr
                   JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                   JOIN user_publishers m ON m.publisher_id = mr.publisher_id AND m.user_id = mr.user_id
                  WHERE mr.publisher_id = pid AND r.key = 'owner' AND r.is_template AND m.status = 'ACTIVE') THEN
    RAISE EXCEPTION 'The publisher must keep at least one active Owner: make someone else Owner first'
      USING ERRCODE = 'PP001';
  END IF;
  RETURN NULL;
END $$;

-- The tables that still hold rows of the publisher (for a deletion pass to go over again).
CREATE FUNCTION app_offboarding_left(p_publisher uuid) RETURNS text[] LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t text;
  found_rows boolean;
  left_over text[] := '{}';
  -- Its callers have set the publisher already; it is theirs to clear.
  previous text := current_setting('app.offboarding_publisher_id', true);
BEGIN
  PERFORM app_offboarding_check(NULL);
  PERFORM set_config('app.offboarding_publisher_id', p_publisher::text, true);
  FOR t IN SELECT table_name FROM app_publisher_tables() LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE publisher_id = $1)', t) USING p_publisher INTO found_rows;
    IF found_rows THEN
      left_over := left_over || t;
    END IF;
  END LOOP;
  PERFORM set_config('app.offboarding_publisher_id', coalesce(previous, ''), true);
  RETURN left_over;
END $$;

-- The end, once nothing of the publisher is left anywhere, its row included; true when this
-- call ended it (of two at once, one does).
CREATE FUNCTION app_offboarding_finish(p_publisher uuid) RETURNS boolean LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ended integer;
BEGIN
  PERFORM app_offboarding_check(NULL);
  PERFORM set_config('app.offboarding_publisher_id', p_publisher::text, true);
  IF EXISTS (SELECT 1 FROM publishers WHERE id = p_publisher) OR cardinality(app_offboarding_left(p_publisher)) > 0 THEN
    RAISE EXCEPTION 'The publisher still owns rows' USING ERRCODE = '55000';
  END IF;
  UPDATE publisher_offboardings SET finished_at = now() WHERE publisher_id = p_publisher AND finished_at IS NULL;
  GET DIAGNOSTICS ended = ROW_COUNT;
  PERFORM set_config('app.offboarding_publisher_id', '', true);
  RETURN ended > 0;
END $$;

REVOKE ALL ON FUNCTION app_publisher_tables(), app_offboarding_check(text), app_offboarding_begin(uuid),
  app_offboarding_rows(uuid, text, jsonb, integer), app_offboarding_people(uuid), app_offboarding_exported(uuid, jsonb),
  app_offboard_batch(uuid, text, integer), app_offboarding_finish(uuid), app_offboarding_deletes(uuid),
  app_offboarding_left(uuid), app_offboarding_cancel(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_publisher_tables(), app_offboarding_begin(uuid),
  app_offboarding_rows(uuid, text, jsonb, integer), app_offboarding_people(uuid), app_offboarding_exported(uuid, jsonb),
  app_offboard_batch(uuid, text, integer), app_offboarding_finish(uuid), app_offboarding_left(uuid),
  app_offboarding_cancel(uuid) TO platform_app;
