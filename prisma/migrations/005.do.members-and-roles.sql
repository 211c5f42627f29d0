-- Members and roles: invitations, the client songwriter's own-works restriction, and what
-- publisher admins may change (their publisher, its account's plan, memberships, roles).

DO $$ BEGIN RAISE NOTICE '005 step 1/4: roles that restrict the catalog to own works'; END $$;
ALTER TABLE roles ADD COLUMN own_works_only boolean NOT NULL DEFAULT false;

-- A member sees only their own works when every role they hold in the active publisher says so
-- (a Client who is also a Viewer sees the whole catalog). NULL: not restricted.
CREATE FUNCTION app_own_works_songwriter() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(m.songwriter_id, '00000000-0000-0000-0000-000000000000'::uuid)
    FROM user_publishers m
   WHERE m.publisher_id = app_current_publisher() AND m.user_id = app_current_user()
     AND EXISTS (SELECT 1 FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                  WHERE mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id)
     AND NOT EXISTS (SELECT 1 FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                      WHERE mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id AND NOT r.own_works_only)
$$;

-- Restrictive: applies on top of publisher isolation. New works may be created (their writers
-- follow in the same transaction); reading, changing and deleting need the member's songwriter
-- among the writers. The sub-selects run once per statement, not once per row.
CREATE POLICY own_works_only ON works AS RESTRICTIVE FOR SELECT USING (
  (SELECT app_own_works_songwriter()) IS NULL
  OR EXISTS (SELECT 1 FROM work_writers ww
              WHERE ww.publisher_id = works.publisher_id AND ww.work_id = works.id
                AND ww.songwriter_id = (SELECT app_own_works_songwriter())));
CREATE POLICY own_works_only_update ON works AS RESTRICTIVE FOR UPDATE USING (
  (SELECT app_own_works_songwriter()) IS NULL
  OR EXISTS (SELECT 1 FROM work_writers ww
              WHERE ww.publisher_id = works.publisher_id AND ww.work_id = works.id
                AND ww.songwriter_id = (SELECT app_own_works_songwriter())));
CREATE POLICY own_works_only_delete ON works AS RESTRICTIVE FOR DELETE USING (
  (SELECT app_own_works_songwriter()) IS NULL
  OR EXISTS (SELECT 1 FROM work_writers ww
              WHERE ww.publisher_id = works.publisher_id AND ww.work_id = works.id
                AND ww.songwriter_id = (SELECT app_own_works_songwriter())));

DO $$ BEGIN RAISE NOTICE '005 step 2/4: invitations'; END $$;
CREATE TABLE invitations (
  publisher_id uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  email        text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
  token_hash   text NOT NULL,
  role_ids     uuid[] NOT NULL,
  invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  accepted_at  timestamptz,
  accepted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  revoked_at   timestamptz,
  PRIMARY KEY (publisher_id, id),
  CONSTRAINT invitations_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX invitations_publisher_email_idx ON invitations (publisher_id, email);
CREATE FUNCTION app_invitation_token_hash() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.invitation_token_hash', true), '') $$;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY publisher_isolation ON invitations
  USING (publisher_id = app_current_publisher()) WITH CHECK (publisher_id = app_current_publisher());
-- Accepting happens in the invited publisher's scope, once the token has been looked up.
CREATE POLICY invitation_by_token ON invitations FOR SELECT USING (token_hash = app_invitation_token_hash());
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON invitations TO platform_app;

-- An invitation to an email without an account creates that account, and only that one.
CREATE POLICY user_created_by_invitation ON users FOR INSERT WITH CHECK (
  email IN (SELECT i.email FROM invitations i
             WHERE i.token_hash = app_invitation_token_hash() AND i.accepted_at IS NULL
               AND i.revoked_at IS NULL AND i.expires_at > now()));
GRANT INSERT ON users TO platform_app;

DO $$ BEGIN RAISE NOTICE '005 step 3/4: what publisher admins may change'; END $$;
CREATE POLICY publisher_update ON publishers FOR UPDATE
  USING (id = app_current_publisher()) WITH CHECK (id = app_current_publisher());
GRANT UPDATE (name, settings, updated_at) ON publishers TO platform_app;
CREATE POLICY account_update ON accounts FOR UPDATE
  USING (id IN (SELECT p.account_id FROM publishers p WHERE p.id = app_current_publisher()))
  WITH CHECK (id IN (SELECT p.account_id FROM publishers p WHERE p.id = app_current_publisher()));
GRANT UPDATE (plan, seat_limit, updated_at) ON accounts TO platform_app;

DO $$ BEGIN RAISE NOTICE '005 step 4/4: the client role of platform publishers'; END $$;
UPDATE roles SET own_works_only = true WHERE key = 'client' AND is_template;
