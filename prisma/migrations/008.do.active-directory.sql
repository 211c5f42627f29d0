-- Active Directory: a publisher's connection to its own directory, the email domains that sign
-- in through it, the AD groups that grant its roles, and the link from a directory user
-- (objectGUID) to the platform's user. Identity owns these tables.

DO $$ BEGIN RAISE NOTICE '008 step 1/4: directory connections'; END $$;
CREATE TYPE directory_security AS ENUM ('LDAPS', 'STARTTLS', 'NONE');
CREATE TYPE directory_login_attribute AS ENUM ('USER_PRINCIPAL_NAME', 'SAM_ACCOUNT_NAME');
CREATE TYPE directory_sign_in_mode AS ENUM ('INTERNAL', 'DIRECTORY', 'HYBRID');

CREATE TABLE directories (
  publisher_id uuid PRIMARY KEY REFERENCES publishers (id) ON DELETE CASCADE,
  urls text[] NOT NULL CHECK (cardinality(urls) BETWEEN 1 AND 5),
  security directory_security NOT NULL,
  ca_certificate text,
  bind_dn text NOT NULL,
  -- AES-256-GCM under DIRECTORY_SECRET_KEY (`v1.<key id>.<iv>.<tag>.<ciphertext>`); never returned.
  bind_password_encrypted text NOT NULL,
  user_base_dn text NOT NULL,
  user_filter text NOT NULL,
  login_attribute directory_login_attribute NOT NULL,
  sign_in_mode directory_sign_in_mode NOT NULL,
  sync_interval_minutes integer NOT NULL DEFAULT 15 CHECK (sync_interval_minutes BETWEEN 5 AND 1440),
  -- highestCommittedUSN when the last completed sync began: an incremental sync asks for what changed since.
  usn_high_water bigint,
  last_sync_started_at timestamptz,
  last_sync_finished_at timestamptz,
  last_full_sync_at timestamptz,
  last_sync_result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);

-- A domain signs in through at most one publisher's directory (the primary key says so).
CREATE TABLE directory_email_domains (
  domain text PRIMARY KEY CHECK (domain = lower(domain) AND domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
  publisher_id uuid NOT NULL REFERENCES directories (publisher_id) ON DELETE CASCADE
);
CREATE INDEX directory_email_domains_publisher ON directory_email_domains (publisher_id, domain);

CREATE TABLE directory_group_mappings (
  publisher_id uuid NOT NULL REFERENCES directories (publisher_id) ON DELETE CASCADE,
  -- Stored as AD answers it, compared case-insensitively.
  group_dn text NOT NULL,
  role_id uuid NOT NULL,
  PRIMARY KEY (publisher_id, group_dn, role_id),
  FOREIGN KEY (publisher_id, role_id) REFERENCES roles (publisher_id, id)
);

-- HYBRID: these internal accounts keep signing in with their password (break-glass admins).
CREATE TABLE directory_break_glass_users (
  publisher_id uuid NOT NULL REFERENCES directories (publisher_id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (publisher_id, user_id)
);

DO $$ BEGIN RAISE NOTICE '008 step 2/4: directory users linked by objectGUID'; END $$;
CREATE TABLE directory_identities (
  publisher_id uuid NOT NULL REFERENCES directories (publisher_id) ON DELETE CASCADE,
  object_guid uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  dn text NOT NULL,
  usn_changed bigint,
  disabled boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publisher_id, object_guid),
  UNIQUE (publisher_id, user_id)
);

-- The AD group that granted a role (NULL: granted by a person). Sync changes only these.
ALTER TABLE membership_roles ADD COLUMN directory_group_dn text;

DO $$ BEGIN RAISE NOTICE '008 step 3/4: row-level security'; END $$;
-- The domain of the email a login is checking: home-realm discovery reads the directory that
-- claims it before any publisher is chosen, and nothing else.
CREATE FUNCTION app_login_domain() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(split_part(app_login_email(), '@', 2), '') $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['directories', 'directory_email_domains', 'directory_group_mappings',
                           'directory_break_glass_users', 'directory_identities'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY publisher_isolation ON %I USING (publisher_id = app_current_publisher())'
                   ' WITH CHECK (publisher_id = app_current_publisher())', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
CREATE POLICY claimed_login_domain ON directory_email_domains FOR SELECT USING (domain = app_login_domain());
CREATE POLICY directory_of_login_domain ON directories FOR SELECT USING (
  publisher_id IN (SELECT d.publisher_id FROM directory_email_domains d WHERE d.domain = app_login_domain()));
CREATE POLICY break_glass_of_login_domain ON directory_break_glass_users FOR SELECT USING (
  publisher_id IN (SELECT d.publisher_id FROM directory_email_domains d WHERE d.domain = app_login_domain()));

-- A directory creates and updates the accounts of its own domains, and sees the accounts it
-- linked (also after their membership ended, to reinstate them).
CREATE POLICY user_created_by_directory ON users FOR INSERT WITH CHECK (
  split_part(email, '@', 2) IN (SELECT d.domain FROM directory_email_domains d WHERE d.publisher_id = app_current_publisher()));
CREATE POLICY user_of_directory_domain ON users FOR SELECT USING (
  split_part(email, '@', 2) IN (SELECT d.domain FROM directory_email_domains d WHERE d.publisher_id = app_current_publisher()));
CREATE POLICY user_linked_to_directory ON users FOR SELECT USING (
  id IN (SELECT i.user_id FROM directory_identities i WHERE i.publisher_id = app_current_publisher()));
CREATE POLICY user_updated_by_directory ON users FOR UPDATE
  USING (id IN (SELECT i.user_id FROM directory_identities i WHERE i.publisher_id = app_current_publisher()))
  WITH CHECK (split_part(email, '@', 2) IN (SELECT d.domain FROM directory_email_domains d WHERE d.publisher_id = app_current_publisher()));

GRANT SELECT, INSERT, UPDATE, DELETE ON directories, directory_email_domains, directory_group_mappings,
  directory_break_glass_users, directory_identities TO platform_app;

DO $$ BEGIN RAISE NOTICE '008 step 4/4: what the scheduler and a domain claim may know across publishers'; END $$;
-- The scheduler and the directory commands find the directories: ids and slugs only (a suspended
-- publisher's directory is never due); each sync then runs in its publisher's scope.
CREATE FUNCTION app_directories_to_sync() RETURNS TABLE (publisher_id uuid, slug text, due boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT d.publisher_id, p.slug,
         p.status = 'ACTIVE'
         AND (d.last_sync_started_at IS NULL OR d.last_sync_started_at < now() - make_interval(mins => d.sync_interval_minutes))
    FROM directories d JOIN publishers p ON p.id = d.publisher_id
   ORDER BY p.slug
$$;
-- A domain another publisher's directory claims, or in which accounts already belong to other
-- publishers (claiming it would route their sign-in to this directory), cannot be claimed.
-- Answers only yes or no.
CREATE FUNCTION app_domain_claimed_elsewhere(p_domain text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM directory_email_domains d
                  WHERE d.domain = lower(p_domain) AND d.publisher_id <> app_current_publisher())
      OR EXISTS (SELECT 1 FROM users u JOIN user_publishers m ON m.user_id = u.id
                  WHERE split_part(u.email, '@', 2) = lower(p_domain) AND m.publisher_id <> app_current_publisher())
$$;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY directory_checks ON directories FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY directory_checks ON directory_email_domains FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY directory_checks ON user_publishers FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY directory_checks ON users FOR SELECT TO %I USING (true)', current_user);
END $$;
REVOKE ALL ON FUNCTION app_directories_to_sync(), app_domain_claimed_elsewhere(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_directories_to_sync(), app_domain_claimed_elsewhere(text) TO platform_app;
