-- The partner API: partner clients (API keys acting in one publisher with a subset of their
-- creator's permissions), the persisted-query lists partners may call, what they used, and the
-- gateway's shared cache of automatic persisted queries.

DO $$ BEGIN RAISE NOTICE '009 step 1/4: partner clients'; END $$;
CREATE TYPE persisted_query_mode AS ENUM ('AUDIT', 'ENFORCE');

CREATE TABLE partner_clients (
  publisher_id uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id uuid NOT NULL UNIQUE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  permissions text[] NOT NULL CHECK (cardinality(permissions) >= 1),
  -- SHA-256 of the key's secret part; the key itself is shown once and never stored.
  key_hash bytea NOT NULL,
  -- The secret's last four characters, so that a person can tell keys apart.
  key_hint text NOT NULL,
  mode persisted_query_mode NOT NULL,
  expires_at timestamptz,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  key_rotated_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (publisher_id, id),
  UNIQUE (publisher_id, name)
);

DO $$ BEGIN RAISE NOTICE '009 step 2/4: persisted-query lists'; END $$;
-- A manifest registered for one publisher, or for every publisher (publisher_id NULL, by the
-- `pq:publish` command only). Each registration is a new version; the newest is in force.
CREATE TABLE persisted_query_lists (
  id uuid PRIMARY KEY,
  publisher_id uuid REFERENCES publishers (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version >= 1),
  registered_by uuid REFERENCES users (id),
  registered_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX persisted_query_lists_version ON persisted_query_lists (publisher_id, version) NULLS NOT DISTINCT;

CREATE TABLE persisted_queries (
  list_id uuid NOT NULL REFERENCES persisted_query_lists (id) ON DELETE CASCADE,
  publisher_id uuid REFERENCES publishers (id) ON DELETE CASCADE,
  operation_id text NOT NULL CHECK (length(operation_id) BETWEEN 1 AND 128),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('query', 'mutation', 'subscription')),
  body text NOT NULL,
  PRIMARY KEY (list_id, operation_id)
);

-- Calls per partner client, operation and hour, written by the gateway.
CREATE TABLE partner_usage (
  publisher_id uuid NOT NULL,
  client_id uuid NOT NULL,
  operation text NOT NULL,
  hour timestamptz NOT NULL,
  calls bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  total_ms double precision NOT NULL DEFAULT 0,
  max_ms double precision NOT NULL DEFAULT 0,
  -- The client's last call in the hour: its lastUsedAt is the newest of these.
  last_call_at timestamptz NOT NULL,
  PRIMARY KEY (publisher_id, client_id, operation, hour),
  FOREIGN KEY (publisher_id, client_id) REFERENCES partner_clients (publisher_id, id) ON DELETE CASCADE
);

-- Automatic persisted queries of first-party apps, shared by every gateway instance. A hash is
-- only known to whoever has the document, so the cache reveals nothing: no publisher column.
CREATE TABLE apq_documents (
  hash text PRIMARY KEY,
  document text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX apq_documents_expiry ON apq_documents (expires_at);

DO $$ BEGIN RAISE NOTICE '009 step 3/4: row-level security'; END $$;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['partner_clients', 'partner_usage'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY publisher_isolation ON %I USING (publisher_id = app_current_publisher())'
                   ' WITH CHECK (publisher_id = app_current_publisher())', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['persisted_query_lists', 'persisted_queries'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    -- A publisher reads its own lists and the global ones; it writes only its own.
    EXECUTE format('CREATE POLICY own_and_global ON %I FOR SELECT'
                   ' USING (publisher_id IS NULL OR publisher_id = app_current_publisher())', t);
    EXECUTE format('CREATE POLICY publisher_isolation ON %I FOR INSERT WITH CHECK (publisher_id = app_current_publisher())', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE ON partner_clients TO platform_app;
GRANT SELECT, INSERT ON persisted_query_lists, persisted_queries TO platform_app;
GRANT SELECT, INSERT, UPDATE ON partner_usage TO platform_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON apq_documents TO platform_app;

DO $$ BEGIN RAISE NOTICE '009 step 4/4: what a key check and the plan warm-up may know across publishers'; END $$;
-- A presented key names its client; this answers that one client, for the caller to compare the
-- key's hash with. Nothing else of any publisher.
CREATE FUNCTION app_partner_key(p_client_id uuid)
  RETURNS TABLE (publisher_id uuid, key_hash bytea, mode persisted_query_mode, expires_at timestamptz, revoked_at timestamptz, created_by uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.publisher_id, c.key_hash, c.mode, c.expires_at, c.revoked_at, c.created_by
    FROM partner_clients c WHERE c.id = p_client_id
$$;
-- The gateway warms its query plans with every operation in force: the documents only.
CREATE FUNCTION app_persisted_queries_in_force() RETURNS TABLE (name text, body text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT q.name, q.body
    FROM persisted_queries q
    JOIN (SELECT DISTINCT ON (l.publisher_id) l.id FROM persisted_query_lists l ORDER BY l.publisher_id, l.version DESC) newest
      ON newest.id = q.list_id
$$;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY partner_checks ON partner_clients FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY partner_checks ON persisted_query_lists FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY partner_checks ON persisted_queries FOR SELECT TO %I USING (true)', current_user);
  -- Global lists are published by the operators' `pnpm pq:publish --global`, as the table owner.
  EXECUTE format('CREATE POLICY global_lists ON persisted_query_lists FOR INSERT TO %I WITH CHECK (publisher_id IS NULL)', current_user);
  EXECUTE format('CREATE POLICY global_lists ON persisted_queries FOR INSERT TO %I WITH CHECK (publisher_id IS NULL)', current_user);
END $$;
REVOKE ALL ON FUNCTION app_partner_key(uuid), app_persisted_queries_in_force() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_partner_key(uuid), app_persisted_queries_in_force() TO platform_app;
