-- Security hardening: rules that a check in one statement and an action in another could break
-- under concurrency move into the database, where they cannot race; revocation per membership;
-- reuse detection of refresh tokens by hash; the client restriction read from catalog permissions
-- and applied to every table a client reaches through a work.
--
-- SQLSTATE PP001 is ours: a business rule the database refused, with a message written for the
-- person who asked (the services answer it as BAD_USER_INPUT; packages/db/src/rule-violation.ts).

DO $$ BEGIN RAISE NOTICE '007 step 1/7: every publisher keeps an active Owner'; END $$;
-- The rule triggers below run as the table owner (SECURITY DEFINER): they must see every row
-- of the publisher they check, whoever changed it and in whatever scope. A cascade, for one,
-- runs as the owner with no scope at all. The owner could lift row-level security on its own
-- tables anyway, so these read policies grant it nothing new.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY rule_checks ON user_publishers FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY rule_checks ON membership_roles FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY rule_checks ON roles FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY rule_checks ON invitations FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY rule_checks ON accounts FOR SELECT TO %I USING (true)', current_user);
END $$;
-- Checked at commit (a role change deletes the old assignments before inserting the new ones)
-- after taking a lock per publisher: of two transactions that each demote the other Owner, the
-- second to commit counts after the first has committed, and fails.
CREATE FUNCTION app_assert_publisher_keeps_owner() RETURNS trigger LANGUAGE plpgsql
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
  IF NOT EXISTS (SELECT 1 FROM publishers p WHERE p.id = pid) THEN
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
CREATE CONSTRAINT TRIGGER publisher_keeps_owner AFTER UPDATE OR DELETE ON membership_roles
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_publisher_keeps_owner();
CREATE CONSTRAINT TRIGGER publisher_keeps_owner AFTER UPDATE OF status ON user_publishers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_publisher_keeps_owner();

DO $$ BEGIN RAISE NOTICE '007 step 2/7: seats: active members and open invitations within the seat limit'; END $$;
-- Seats in use: active members and open invitations. Counted in the active publisher (row-level
-- security scopes it); counting across every publisher of the account is #10.
CREATE FUNCTION app_seats_used(p_publisher uuid) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT ((SELECT count(*) FROM user_publishers m WHERE m.publisher_id = p_publisher AND m.status = 'ACTIVE')
        + (SELECT count(*) FROM invitations i
            WHERE i.publisher_id = p_publisher AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()))::integer
$$;
-- The same shape as the Owner rule: a lock per account, then the count, at commit. Accepting an
-- invitation turns an open invitation into a member (the count stays); inviting and reinstating
-- add one; lowering the limit must leave room for what is in use.
CREATE FUNCTION app_assert_seat_available() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  pid uuid;
  aid uuid;
  seat_limit integer;
BEGIN
  -- (Record fields are resolved when read: each table's branch reads only its own columns.)
  IF TG_TABLE_NAME = 'accounts' THEN
    pid := app_current_publisher();
    SELECT p.account_id INTO aid FROM publishers p WHERE p.id = pid;
    IF aid IS DISTINCT FROM NEW.id THEN
      RETURN NULL;
    END IF;
  ELSE
    pid := NEW.publisher_id;
    SELECT p.account_id INTO aid FROM publishers p WHERE p.id = pid;
    IF aid IS NULL THEN
      RETURN NULL;
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('account-seats:' || aid::text, 0));
  SELECT a.seat_limit INTO seat_limit FROM accounts a WHERE a.id = aid;
  IF app_seats_used(pid) > seat_limit THEN
    RAISE EXCEPTION 'All % seats of the account are taken or invited; raise the seat limit first', seat_limit
      USING ERRCODE = 'PP001';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER INSERT ON invitations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_seat_available();
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER INSERT OR UPDATE OF status ON user_publishers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'ACTIVE')
  EXECUTE FUNCTION app_assert_seat_available();
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER UPDATE OF seat_limit ON accounts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seat_limit < OLD.seat_limit)
  EXECUTE FUNCTION app_assert_seat_available();

-- One open invitation per email and publisher: two concurrent invitations of one email would
-- otherwise both hold a seat. A new invitation revokes the older open one first.
CREATE UNIQUE INDEX invitations_open_email_key ON invitations (publisher_id, email)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- A role still held cannot be deleted, even by a deletion that counted no holder a moment before
-- a concurrent assignment (the cascade used to drop that assignment silently). NO ACTION is
-- checked at the end of the statement, so deleting a whole publisher still cascades.
ALTER TABLE membership_roles DROP CONSTRAINT membership_roles_role_fkey,
  ADD CONSTRAINT membership_roles_role_fkey FOREIGN KEY (publisher_id, role_id) REFERENCES roles (publisher_id, id);

DO $$ BEGIN RAISE NOTICE '007 step 3/7: revocation per membership'; END $$;
-- When the user proved who they are (a password); a session opened by switchPublisher keeps the
-- time of the sign-in it came from.
ALTER TABLE user_sessions ADD COLUMN authenticated_at timestamptz;
UPDATE user_sessions SET authenticated_at = created_at;
ALTER TABLE user_sessions ALTER COLUMN authenticated_at SET NOT NULL, ALTER COLUMN authenticated_at SET DEFAULT now();
-- An admin's revocation in a publisher ends, for that publisher, every sign-in made before it,
-- whichever publisher's token it is presented with.
ALTER TABLE user_publishers ADD COLUMN sessions_revoked_at timestamptz;

DO $$ BEGIN RAISE NOTICE '007 step 4/7: refresh tokens already rotated'; END $$;
-- Reuse is a secret that was once valid for the session: only those are remembered (hashed).
CREATE TABLE refresh_token_rotations (
  session_id uuid NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
  token_hash text NOT NULL,
  rotated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, token_hash)
);
ALTER TABLE refresh_token_rotations ENABLE ROW LEVEL SECURITY;
CREATE POLICY rotation_of_session_being_refreshed ON refresh_token_rotations
  USING (session_id = app_current_session()) WITH CHECK (session_id = app_current_session());
ALTER TABLE refresh_token_rotations FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON refresh_token_rotations TO platform_app;

DO $$ BEGIN RAISE NOTICE '007 step 5/7: the permissions of the roles a user holds, in every publisher (me.memberships)'; END $$;
CREATE POLICY own_role_permissions_visible ON role_permissions FOR SELECT USING (
  EXISTS (SELECT 1 FROM membership_roles mr
           WHERE mr.publisher_id = role_permissions.publisher_id AND mr.role_id = role_permissions.role_id
             AND mr.user_id = app_current_user()));

DO $$ BEGIN RAISE NOTICE '007 step 6/7: the client restriction comes from catalog permissions'; END $$;
CREATE FUNCTION app_is_catalog_permission(permission_key text) RETURNS boolean LANGUAGE sql IMMUTABLE
  AS $$ SELECT split_part(permission_key, ':', 1) IN ('work', 'songwriter', 'recording') $$;

-- Restricted: the member holds an own-works role, and no role that grants a catalog permission
-- without the restriction (a Client who is also Billing stays restricted; Client + Viewer not).
CREATE OR REPLACE FUNCTION app_own_works_songwriter() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(m.songwriter_id, '00000000-0000-0000-0000-000000000000'::uuid)
    FROM user_publishers m
   WHERE m.publisher_id = app_current_publisher() AND m.user_id = app_current_user()
     AND EXISTS (SELECT 1 FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                  WHERE mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id AND r.own_works_only)
     AND NOT EXISTS (SELECT 1 FROM membership_roles mr
                       JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                       JOIN role_permissions rp ON rp.publisher_id = r.publisher_id AND rp.role_id = r.id
                      WHERE mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id
                        AND NOT r.own_works_only AND app_is_catalog_permission(rp.permission_key))
$$;

DO $$ BEGIN RAISE NOTICE '007 step 7/7: the client restriction on writers and recordings of works'; END $$;
-- A policy on work_writers cannot query work_writers (PostgreSQL refuses the recursion), so the
-- lookup runs in a function as the table owner, which gets a read policy of its own and is not
-- subject to the restrictive policies below (they apply to the application's role only).
DO $$
BEGIN
  EXECUTE format('CREATE POLICY own_works_lookup ON work_writers FOR SELECT TO %I USING (true)', current_user);
END $$;
CREATE FUNCTION app_work_has_writer(p_publisher uuid, p_work uuid, p_songwriter uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_publisher = app_current_publisher()
     AND EXISTS (SELECT 1 FROM work_writers ww
                  WHERE ww.publisher_id = p_publisher AND ww.work_id = p_work AND ww.songwriter_id = p_songwriter)
$$;
CREATE FUNCTION app_work_has_writers(p_publisher uuid, p_work uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_publisher = app_current_publisher()
     AND EXISTS (SELECT 1 FROM work_writers ww WHERE ww.publisher_id = p_publisher AND ww.work_id = p_work)
$$;
REVOKE ALL ON FUNCTION app_work_has_writer(uuid, uuid, uuid), app_work_has_writers(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_work_has_writer(uuid, uuid, uuid), app_work_has_writers(uuid, uuid) TO platform_app;

-- Reading: the writer lines of the client's own works only (recording links: below).
CREATE POLICY own_works_only ON work_writers AS RESTRICTIVE FOR SELECT TO platform_app USING (
  (SELECT app_own_works_songwriter()) IS NULL
  OR app_work_has_writer(publisher_id, work_id, (SELECT app_own_works_songwriter())));
-- Writing: a client changes or removes only their own line; other lines only while the work is
-- being created (it has no writers yet), and of a work they write.
CREATE POLICY own_line_only_update ON work_writers AS RESTRICTIVE FOR UPDATE TO platform_app
  USING ((SELECT app_own_works_songwriter()) IS NULL OR songwriter_id = (SELECT app_own_works_songwriter()))
  WITH CHECK ((SELECT app_own_works_songwriter()) IS NULL OR songwriter_id = (SELECT app_own_works_songwriter()));
CREATE POLICY own_line_only_delete ON work_writers AS RESTRICTIVE FOR DELETE TO platform_app
  USING ((SELECT app_own_works_songwriter()) IS NULL OR songwriter_id = (SELECT app_own_works_songwriter()));
CREATE POLICY own_line_only_insert ON work_writers AS RESTRICTIVE FOR INSERT TO platform_app
  WITH CHECK ((SELECT app_own_works_songwriter()) IS NULL OR songwriter_id = (SELECT app_own_works_songwriter())
              OR NOT app_work_has_writers(publisher_id, work_id));
-- Recording links, read or written: of the client's own works only.
CREATE POLICY own_works_only ON work_recordings AS RESTRICTIVE FOR ALL TO platform_app
  USING ((SELECT app_own_works_songwriter()) IS NULL
         OR app_work_has_writer(publisher_id, work_id, (SELECT app_own_works_songwriter())))
  WITH CHECK ((SELECT app_own_works_songwriter()) IS NULL
              OR app_work_has_writer(publisher_id, work_id, (SELECT app_own_works_songwriter())));
