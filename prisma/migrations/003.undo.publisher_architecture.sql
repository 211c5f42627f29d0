-- Back to the legacy tenant schema. Publisher ids are the tenant ids, so every catalog row keeps
-- its owner; what only the publisher architecture knows (users, roles, sessions, audit, events)
-- is dropped.

DO $$ BEGIN RAISE NOTICE '003 undo 1/4: dropping publisher-only tables'; END $$;
-- These policies read user_publishers, so they go before it.
DROP POLICY publisher_visible ON publishers;
DROP POLICY account_of_publisher ON accounts;
DROP POLICY user_visible ON users;
DROP TABLE outbox, audit_log, user_sessions, membership_roles, role_permissions, roles, user_publishers;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['songwriters', 'works', 'recordings', 'work_writers', 'work_recordings'] LOOP
    EXECUTE format('DROP POLICY publisher_isolation ON %I', t);
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;

DO $$ BEGIN RAISE NOTICE '003 undo 2/4: catalog keys back to the legacy form'; END $$;
DROP INDEX works_publisher_title_idx;
ALTER TABLE songwriters DROP COLUMN created_by, DROP COLUMN updated_by, DROP COLUMN updated_at;
ALTER TABLE works DROP COLUMN created_by, DROP COLUMN updated_by, DROP COLUMN updated_at;
ALTER TABLE recordings DROP COLUMN created_by, DROP COLUMN updated_by, DROP COLUMN updated_at;

DROP INDEX work_recordings_recording_idx;
ALTER TABLE work_recordings DROP CONSTRAINT work_recordings_work_fkey,
                            DROP CONSTRAINT work_recordings_recording_fkey,
                            DROP CONSTRAINT work_recordings_pkey;
ALTER TABLE work_recordings RENAME COLUMN publisher_id TO tenant_id;
ALTER TABLE work_recordings RENAME CONSTRAINT work_recordings_publisher_id_fkey TO work_recordings_tenant_id_fkey;

DROP INDEX work_writers_songwriter_idx;
ALTER TABLE work_writers DROP CONSTRAINT work_writers_work_fkey,
                         DROP CONSTRAINT work_writers_songwriter_fkey,
                         DROP CONSTRAINT work_writers_pkey;
ALTER TABLE work_writers RENAME COLUMN publisher_id TO tenant_id;
ALTER TABLE work_writers RENAME CONSTRAINT work_writers_publisher_id_fkey TO work_writers_tenant_id_fkey;

ALTER TABLE recordings DROP CONSTRAINT recordings_pkey, ADD PRIMARY KEY (id);
ALTER TABLE recordings RENAME COLUMN publisher_id TO tenant_id;
ALTER TABLE recordings RENAME CONSTRAINT recordings_publisher_id_fkey TO recordings_tenant_id_fkey;
CREATE INDEX recordings_tenant_idx ON recordings (tenant_id);

ALTER TABLE works DROP CONSTRAINT works_pkey, ADD PRIMARY KEY (id);
ALTER TABLE works RENAME COLUMN publisher_id TO tenant_id;
ALTER TABLE works RENAME CONSTRAINT works_publisher_id_fkey TO works_tenant_id_fkey;
CREATE INDEX works_tenant_idx ON works (tenant_id);

ALTER TABLE songwriters DROP CONSTRAINT songwriters_pkey, ADD PRIMARY KEY (id);
ALTER TABLE songwriters RENAME COLUMN publisher_id TO tenant_id;
ALTER TABLE songwriters RENAME CONSTRAINT songwriters_publisher_id_fkey TO songwriters_tenant_id_fkey;
CREATE INDEX songwriters_tenant_idx ON songwriters (tenant_id);

ALTER TABLE work_writers
  ADD PRIMARY KEY (work_id, songwriter_id),
  ADD CONSTRAINT work_writers_work_id_fkey FOREIGN KEY (work_id) REFERENCES works (id) ON DELETE CASCADE,
  ADD CONSTRAINT work_writers_songwriter_id_fkey FOREIGN KEY (songwriter_id) REFERENCES songwriters (id);
ALTER TABLE work_recordings
  ADD PRIMARY KEY (work_id, recording_id),
  ADD CONSTRAINT work_recordings_work_id_fkey FOREIGN KEY (work_id) REFERENCES works (id) ON DELETE CASCADE,
  ADD CONSTRAINT work_recordings_recording_id_fkey FOREIGN KEY (recording_id) REFERENCES recordings (id) ON DELETE CASCADE;

DO $$ BEGIN RAISE NOTICE '003 undo 3/4: publishers become tenants'; END $$;
DROP TABLE users, permissions;
ALTER TABLE publishers NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON publishers FROM platform_app;
DROP INDEX publishers_account_idx;
ALTER TABLE publishers DROP COLUMN type, DROP COLUMN status, DROP COLUMN settings,
                       DROP COLUMN account_id, DROP COLUMN updated_at;
ALTER TABLE publishers RENAME CONSTRAINT publishers_pkey TO tenants_pkey;
ALTER TABLE publishers RENAME CONSTRAINT publishers_slug_key TO tenants_slug_key;
ALTER TABLE publishers RENAME TO tenants;
GRANT SELECT ON tenants TO platform_app;
DROP TABLE accounts;
DROP TYPE publisher_type, publisher_status, subscription_status, user_status, membership_status;
DROP FUNCTION app_current_publisher(), app_current_user(), app_login_email();

DO $$ BEGIN RAISE NOTICE '003 undo 4/4: legacy tenant policies'; END $$;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['songwriters', 'works', 'recordings', 'work_writers', 'work_recordings'] LOOP
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = legacy_current_tenant())'
                   ' WITH CHECK (tenant_id = legacy_current_tenant())', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
