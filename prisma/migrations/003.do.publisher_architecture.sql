-- Publisher architecture: tenants become publishers (same ids), accounts own publishers, users
-- belong to publishers through memberships with roles, and every tenant-owned row is keyed by
-- publisher_id first so the tables can later be distributed by publisher.
--
-- FORCE row-level security would hide every row from this migration too, so the data steps run
-- with FORCE lifted and the last step puts it back, all in one transaction.

DO $$ BEGIN RAISE NOTICE '003 step 1/8: checking legacy links stay inside their tenant'; END $$;
ALTER TABLE works NO FORCE ROW LEVEL SECURITY;
ALTER TABLE songwriters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE recordings NO FORCE ROW LEVEL SECURITY;
ALTER TABLE work_writers NO FORCE ROW LEVEL SECURITY;
ALTER TABLE work_recordings NO FORCE ROW LEVEL SECURITY;

-- The new composite foreign keys refuse a link between two tenants; name the culprits instead of
-- failing on the first constraint violation.
DO $$
DECLARE crossing bigint;
BEGIN
  SELECT count(*) INTO crossing FROM (
    SELECT 1 FROM work_writers l JOIN works w ON w.id = l.work_id JOIN songwriters s ON s.id = l.songwriter_id
     WHERE w.tenant_id <> l.tenant_id OR s.tenant_id <> l.tenant_id
    UNION ALL
    SELECT 1 FROM work_recordings l JOIN works w ON w.id = l.work_id JOIN recordings r ON r.id = l.recording_id
     WHERE w.tenant_id <> l.tenant_id OR r.tenant_id <> l.tenant_id
  ) c;
  IF crossing > 0 THEN
    RAISE EXCEPTION '% work_writers/work_recordings rows link rows of different tenants; fix them before migrating', crossing;
  END IF;
END $$;

DO $$ BEGIN RAISE NOTICE '003 step 2/8: accounts; tenants become publishers'; END $$;
CREATE TYPE publisher_type AS ENUM ('ENTERPRISE', 'PLATFORM', 'BOUTIQUE');
CREATE TYPE publisher_status AS ENUM ('ACTIVE', 'SUSPENDED');
CREATE TYPE subscription_status AS ENUM ('TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED');

CREATE TABLE accounts (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text NOT NULL,
  plan                text NOT NULL DEFAULT 'standard',
  seat_limit          integer NOT NULL DEFAULT 10 CHECK (seat_limit >= 0),
  subscription_status subscription_status NOT NULL DEFAULT 'ACTIVE',
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tenants RENAME TO publishers;
ALTER TABLE publishers RENAME CONSTRAINT tenants_pkey TO publishers_pkey;
ALTER TABLE publishers RENAME CONSTRAINT tenants_slug_key TO publishers_slug_key;
ALTER TABLE publishers
  ADD COLUMN type       publisher_type NOT NULL DEFAULT 'BOUTIQUE',
  ADD COLUMN status     publisher_status NOT NULL DEFAULT 'ACTIVE',
  ADD COLUMN settings   jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN account_id uuid,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Every legacy tenant gets an account of its own with the same id; operators merge accounts
-- afterwards where one customer owns several publishers.
INSERT INTO accounts (id, name, created_at, updated_at)
  SELECT id, name, created_at, created_at FROM publishers;
UPDATE publishers SET account_id = id, updated_at = created_at;
ALTER TABLE publishers
  ALTER COLUMN account_id SET NOT NULL,
  ADD CONSTRAINT publishers_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);
CREATE INDEX publishers_account_idx ON publishers (account_id);

DO $$ BEGIN RAISE NOTICE '003 step 3/8: users, memberships, roles and permissions'; END $$;
CREATE TYPE user_status AS ENUM ('ACTIVE', 'DISABLED');
CREATE TYPE membership_status AS ENUM ('ACTIVE', 'SUSPENDED');

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
  display_name  text NOT NULL,
  password_hash text,
  status        user_status NOT NULL DEFAULT 'ACTIVE',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE permissions (
  key                text PRIMARY KEY CHECK (key ~ '^[a-z_]+:[a-z_]+$'),
  title              text NOT NULL,
  description        text NOT NULL,
  depends_on         text[] NOT NULL DEFAULT '{}',
  escalation_warning text
);

DO $$ BEGIN RAISE NOTICE '003 step 4/8: catalog keys lead with publisher_id'; END $$;
ALTER TABLE work_writers DROP CONSTRAINT work_writers_work_id_fkey,
                         DROP CONSTRAINT work_writers_songwriter_id_fkey,
                         DROP CONSTRAINT work_writers_pkey;
ALTER TABLE work_recordings DROP CONSTRAINT work_recordings_work_id_fkey,
                            DROP CONSTRAINT work_recordings_recording_id_fkey,
                            DROP CONSTRAINT work_recordings_pkey;

ALTER TABLE songwriters RENAME COLUMN tenant_id TO publisher_id;
ALTER TABLE songwriters RENAME CONSTRAINT songwriters_tenant_id_fkey TO songwriters_publisher_id_fkey;
ALTER TABLE songwriters DROP CONSTRAINT songwriters_pkey, ADD PRIMARY KEY (publisher_id, id);
DROP INDEX songwriters_tenant_idx;

ALTER TABLE works RENAME COLUMN tenant_id TO publisher_id;
ALTER TABLE works RENAME CONSTRAINT works_tenant_id_fkey TO works_publisher_id_fkey;
ALTER TABLE works DROP CONSTRAINT works_pkey, ADD PRIMARY KEY (publisher_id, id);
DROP INDEX works_tenant_idx;

ALTER TABLE recordings RENAME COLUMN tenant_id TO publisher_id;
ALTER TABLE recordings RENAME CONSTRAINT recordings_tenant_id_fkey TO recordings_publisher_id_fkey;
ALTER TABLE recordings DROP CONSTRAINT recordings_pkey, ADD PRIMARY KEY (publisher_id, id);
DROP INDEX recordings_tenant_idx;

-- Composite foreign keys: a link row can only join rows of its own publisher.
ALTER TABLE work_writers RENAME COLUMN tenant_id TO publisher_id;
ALTER TABLE work_writers RENAME CONSTRAINT work_writers_tenant_id_fkey TO work_writers_publisher_id_fkey;
ALTER TABLE work_writers
  ADD PRIMARY KEY (publisher_id, work_id, songwriter_id),
  ADD CONSTRAINT work_writers_work_fkey FOREIGN KEY (publisher_id, work_id)
    REFERENCES works (publisher_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT work_writers_songwriter_fkey FOREIGN KEY (publisher_id, songwriter_id)
    REFERENCES songwriters (publisher_id, id);
CREATE INDEX work_writers_songwriter_idx ON work_writers (publisher_id, songwriter_id);

ALTER TABLE work_recordings RENAME COLUMN tenant_id TO publisher_id;
ALTER TABLE work_recordings RENAME CONSTRAINT work_recordings_tenant_id_fkey TO work_recordings_publisher_id_fkey;
ALTER TABLE work_recordings
  ADD PRIMARY KEY (publisher_id, work_id, recording_id),
  ADD CONSTRAINT work_recordings_work_fkey FOREIGN KEY (publisher_id, work_id)
    REFERENCES works (publisher_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT work_recordings_recording_fkey FOREIGN KEY (publisher_id, recording_id)
    REFERENCES recordings (publisher_id, id) ON DELETE CASCADE;
CREATE INDEX work_recordings_recording_idx ON work_recordings (publisher_id, recording_id);

DO $$ BEGIN RAISE NOTICE '003 step 5/8: audit columns on the catalog (backfilling updated_at)'; END $$;
DO $$
DECLARE t text; n bigint;
BEGIN
  FOREACH t IN ARRAY ARRAY['songwriters', 'works', 'recordings'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN created_by uuid REFERENCES users (id),'
                   ' ADD COLUMN updated_by uuid REFERENCES users (id), ADD COLUMN updated_at timestamptz', t);
    EXECUTE format('UPDATE %I SET updated_at = created_at', t);
    GET DIAGNOSTICS n = ROW_COUNT;
    EXECUTE format('ALTER TABLE %I ALTER COLUMN updated_at SET NOT NULL, ALTER COLUMN updated_at SET DEFAULT now()', t);
    RAISE NOTICE '003   % rows of % backfilled', n, t;
  END LOOP;
END $$;
CREATE INDEX works_publisher_title_idx ON works (publisher_id, title, id);

DO $$ BEGIN RAISE NOTICE '003 step 6/8: memberships, roles, sessions, audit log and outbox'; END $$;
CREATE TABLE user_publishers (
  publisher_id  uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status        membership_status NOT NULL DEFAULT 'ACTIVE',
  -- PLATFORM publishers link a client member to the songwriter they are.
  songwriter_id uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publisher_id, user_id),
  CONSTRAINT user_publishers_songwriter_fkey FOREIGN KEY (publisher_id, songwriter_id)
    REFERENCES songwriters (publisher_id, id)
);
-- Login lists a user's memberships across publishers: the one lookup that starts from the user.
CREATE INDEX user_publishers_user_idx ON user_publishers (user_id);

CREATE TABLE roles (
  publisher_id uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_-]*$'),
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  is_template  boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publisher_id, id),
  CONSTRAINT roles_key_key UNIQUE (publisher_id, key)
);

CREATE TABLE role_permissions (
  publisher_id   uuid NOT NULL,
  role_id        uuid NOT NULL,
  permission_key text NOT NULL REFERENCES permissions (key) ON DELETE CASCADE,
  PRIMARY KEY (publisher_id, role_id, permission_key),
  CONSTRAINT role_permissions_role_fkey FOREIGN KEY (publisher_id, role_id)
    REFERENCES roles (publisher_id, id) ON DELETE CASCADE
);

CREATE TABLE membership_roles (
  publisher_id uuid NOT NULL,
  user_id      uuid NOT NULL,
  role_id      uuid NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publisher_id, user_id, role_id),
  CONSTRAINT membership_roles_membership_fkey FOREIGN KEY (publisher_id, user_id)
    REFERENCES user_publishers (publisher_id, user_id) ON DELETE CASCADE,
  CONSTRAINT membership_roles_role_fkey FOREIGN KEY (publisher_id, role_id)
    REFERENCES roles (publisher_id, id) ON DELETE CASCADE
);

CREATE TABLE user_sessions (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  publisher_id       uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  refresh_token_hash text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_used_at       timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  revoked_at         timestamptz,
  client_ip          text,
  user_agent         text,
  CONSTRAINT user_sessions_refresh_token_hash_key UNIQUE (refresh_token_hash)
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

CREATE TABLE audit_log (
  publisher_id  uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  action        text NOT NULL,
  entity_type   text NOT NULL,
  entity_id     text NOT NULL,
  data          jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publisher_id, id)
);
CREATE INDEX audit_log_publisher_created_idx ON audit_log (publisher_id, created_at);

-- Domain events written in the same transaction as the change; a relay delivers them to SQS.
CREATE TABLE outbox (
  publisher_id   uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  aggregate_type text NOT NULL,
  aggregate_id   text NOT NULL,
  event_type     text NOT NULL,
  payload        jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  published_at   timestamptz,
  PRIMARY KEY (publisher_id, id)
);
CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;

DO $$ BEGIN RAISE NOTICE '003 step 7/8: row-level security policies'; END $$;
-- An empty or missing setting is NULL, and NULL matches no row: no context, no data.
CREATE FUNCTION app_current_publisher() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.publisher_id', true), '')::uuid $$;
CREATE FUNCTION app_current_user() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
-- Set only while a login looks up the one user it is checking a password for.
CREATE FUNCTION app_login_email() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.login_email', true), '') $$;

DROP POLICY tenant_isolation ON songwriters;
DROP POLICY tenant_isolation ON works;
DROP POLICY tenant_isolation ON recordings;
DROP POLICY tenant_isolation ON work_writers;
DROP POLICY tenant_isolation ON work_recordings;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['songwriters', 'works', 'recordings', 'work_writers', 'work_recordings',
                           'roles', 'role_permissions', 'membership_roles', 'audit_log', 'outbox'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY publisher_isolation ON %I USING (publisher_id = app_current_publisher())'
                   ' WITH CHECK (publisher_id = app_current_publisher())', t);
  END LOOP;
END $$;

-- Everyone may read their own role assignments in every publisher they belong to (me.memberships);
-- changing them stays inside the active publisher.
CREATE POLICY own_assignment_visible ON membership_roles FOR SELECT USING (user_id = app_current_user());
CREATE POLICY own_role_visible ON roles FOR SELECT USING (
  EXISTS (SELECT 1 FROM membership_roles mr
           WHERE mr.publisher_id = roles.publisher_id AND mr.role_id = roles.id AND mr.user_id = app_current_user()));

ALTER TABLE publishers ENABLE ROW LEVEL SECURITY;
CREATE POLICY publisher_visible ON publishers FOR SELECT USING (
  id = app_current_publisher()
  OR id IN (SELECT m.publisher_id FROM user_publishers m WHERE m.user_id = app_current_user()));

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_of_publisher ON accounts FOR SELECT USING (
  id IN (SELECT p.account_id FROM publishers p WHERE p.id = app_current_publisher()));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_visible ON users FOR SELECT USING (
  id = app_current_user()
  OR email = app_login_email()
  OR EXISTS (SELECT 1 FROM user_publishers m
              WHERE m.user_id = users.id AND m.publisher_id = app_current_publisher()));
CREATE POLICY user_self_update ON users FOR UPDATE
  USING (id = app_current_user()) WITH CHECK (id = app_current_user());

-- A member sees the memberships of the active publisher and their own in every publisher.
ALTER TABLE user_publishers ENABLE ROW LEVEL SECURITY;
CREATE POLICY membership_visible ON user_publishers FOR SELECT USING (
  publisher_id = app_current_publisher() OR user_id = app_current_user());
CREATE POLICY membership_write ON user_publishers FOR ALL
  USING (publisher_id = app_current_publisher()) WITH CHECK (publisher_id = app_current_publisher());

ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY session_owner ON user_sessions
  USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());

DO $$ BEGIN RAISE NOTICE '003 step 8/8: grants; FORCE row-level security on every protected table'; END $$;
GRANT SELECT ON publishers, accounts, permissions TO platform_app;
GRANT SELECT, UPDATE ON users TO platform_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_publishers, roles, role_permissions, membership_roles TO platform_app;
GRANT SELECT, INSERT, UPDATE ON user_sessions TO platform_app;
-- The audit log and the outbox are append-only for the application.
GRANT SELECT, INSERT ON audit_log, outbox TO platform_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['songwriters', 'works', 'recordings', 'work_writers', 'work_recordings',
                           'roles', 'role_permissions', 'membership_roles', 'audit_log', 'outbox',
                           'publishers', 'accounts', 'users', 'user_publishers', 'user_sessions'] LOOP
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
