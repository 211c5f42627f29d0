-- Account-level roles: a person who administers every publisher of an account (Downtown's shared
-- services for `dmp` and `sheer`) without a membership in each. The role is a role template of
-- the catalog: in each publisher of the account, its holder gets what that publisher's template
-- of the same key grants, read where every permission is read (the access check).

DO $$ BEGIN RAISE NOTICE '011 step 1/4: account members'; END $$;
CREATE TABLE account_members (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The key of a role template every publisher type has (not the platform-only Client).
  role_key   text NOT NULL CHECK (role_key IN ('owner', 'admin', 'catalog-manager', 'editor', 'viewer', 'billing')),
  granted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, user_id)
);
CREATE INDEX account_members_user_idx ON account_members (user_id);
ALTER TABLE account_members ENABLE ROW LEVEL SECURITY;
-- The account of the active publisher. A function (run as the owner) so that account_members'
-- policies do not name publishers, whose own policy names account_members: PostgreSQL refuses
-- policies that refer to each other. The two policies apply to the application only; the owner
-- reads both tables through its own plain ones, so the function does not run into itself.
CREATE FUNCTION app_current_account() RETURNS uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.account_id FROM publishers p WHERE p.id = app_current_publisher()
$$;
-- Seen by its holder, and within the account of the active publisher.
CREATE POLICY account_member_visible ON account_members FOR SELECT TO platform_app USING (
  user_id = app_current_user() OR account_id = app_current_account());
ALTER TABLE account_members FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON account_members TO platform_app;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY rule_checks ON account_members FOR SELECT TO %I USING (true)', current_user);
END $$;

-- Members of the active publisher see an account member's name and email like a member's.
CREATE POLICY user_account_member_visible ON users FOR SELECT USING (
  EXISTS (SELECT 1 FROM account_members am WHERE am.user_id = users.id AND am.account_id = app_current_account()));

DO $$ BEGIN RAISE NOTICE '011 step 2/4: what a person holds in a publisher'; END $$;
-- The permission keys a user holds in a publisher: through an active membership's roles, and
-- through a role of the publisher's account (the publisher's template of that key). Read with
-- the caller's row-level security, in the scope of that publisher.
CREATE FUNCTION app_permissions_of(p_publisher uuid, p_user uuid) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT granted.key), '{}') FROM (
    SELECT rp.permission_key AS key
      FROM user_publishers m
      JOIN membership_roles mr ON mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id
      JOIN role_permissions rp ON rp.publisher_id = mr.publisher_id AND rp.role_id = mr.role_id
     WHERE m.publisher_id = p_publisher AND m.user_id = p_user AND m.status = 'ACTIVE'
    UNION ALL
    SELECT rp.permission_key
      FROM publishers p
      JOIN account_members am ON am.account_id = p.account_id AND am.user_id = p_user
      JOIN roles r ON r.publisher_id = p.id AND r.is_template AND r.key = am.role_key
      JOIN role_permissions rp ON rp.publisher_id = r.publisher_id AND rp.role_id = r.id
     WHERE p.id = p_publisher
  ) granted
$$;

-- The publishers a user may enter: those with an active membership and those of an account they
-- hold a role in; active publishers only, with when an admin last ended their sessions there.
-- For sign-in and publisher switching, which run before any publisher is chosen.
CREATE FUNCTION app_enterable_publishers(p_user uuid)
  RETURNS TABLE (id uuid, slug text, name text, type publisher_type, sessions_revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.slug, p.name, p.type, max(m.sessions_revoked_at)
    FROM publishers p
    LEFT JOIN user_publishers m ON m.publisher_id = p.id AND m.user_id = p_user AND m.status = 'ACTIVE'
    LEFT JOIN account_members am ON am.account_id = p.account_id AND am.user_id = p_user
   WHERE p.status = 'ACTIVE' AND (m.user_id IS NOT NULL OR am.user_id IS NOT NULL)
     AND p_user = app_current_user()
   GROUP BY p.id, p.slug, p.name, p.type
   ORDER BY p.slug
$$;
REVOKE ALL ON FUNCTION app_enterable_publishers(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_enterable_publishers(uuid) TO platform_app;

-- A person the active publisher's account may give an account role: someone with a membership in
-- one of its publishers (a new person is invited to a publisher first). Their id, or nothing.
CREATE FUNCTION app_account_person(p_email text) RETURNS uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id FROM users u
   WHERE u.email = lower(p_email)
     AND EXISTS (SELECT 1 FROM user_publishers m JOIN publishers p ON p.id = m.publisher_id
                  WHERE m.user_id = u.id
                    AND p.account_id = app_current_account())
$$;
REVOKE ALL ON FUNCTION app_account_person(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_account_person(text) TO platform_app;

-- An account role lifts the client restriction: its holder works on the whole catalog.
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
     AND NOT EXISTS (SELECT 1 FROM account_members am JOIN publishers p ON p.account_id = am.account_id
                      WHERE p.id = m.publisher_id AND am.user_id = m.user_id)
$$;

DO $$ BEGIN RAISE NOTICE '011 step 3/4: an account member holds a seat'; END $$;
CREATE OR REPLACE FUNCTION app_account_seats_used(p_account uuid) RETURNS integer LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT count(*)::integer FROM (
    SELECT lower(u.email) FROM user_publishers m
      JOIN publishers p ON p.id = m.publisher_id
      JOIN users u ON u.id = m.user_id
     WHERE p.account_id = p_account AND m.status = 'ACTIVE'
    UNION
    SELECT lower(i.email) FROM invitations i
      JOIN publishers p ON p.id = i.publisher_id
     WHERE p.account_id = p_account AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
    UNION
    SELECT lower(u.email) FROM account_members am JOIN users u ON u.id = am.user_id WHERE am.account_id = p_account
  ) people
$$;
-- (app_assert_seat_available reads NEW.publisher_id; an account member row names its account.)
CREATE OR REPLACE FUNCTION app_assert_seat_available() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  aid uuid;
  seat_limit integer;
BEGIN
  IF TG_TABLE_NAME = 'accounts' THEN
    aid := NEW.id;
  ELSIF TG_TABLE_NAME = 'account_members' THEN
    aid := NEW.account_id;
  ELSE
    SELECT p.account_id INTO aid FROM publishers p WHERE p.id = NEW.publisher_id;
    IF aid IS NULL THEN
      RETURN NULL;
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('account-seats:' || aid::text, 0));
  seat_limit := app_account_seat_limit(aid);
  IF app_account_seats_used(aid) > seat_limit THEN
    RAISE EXCEPTION 'All % seats of the account are taken or invited; free a seat or raise the limit first', seat_limit
      USING ERRCODE = 'PP001';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER INSERT ON account_members
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_seat_available();

DO $$ BEGIN RAISE NOTICE '011 step 4/4: only the account''s Owners change its roles'; END $$;
-- Whether the current user holds the Owner role of the active publisher's account. Run as the
-- owner: the policies below call it, and under them it would read account_members through itself.
CREATE FUNCTION app_is_account_owner() RETURNS boolean LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM account_members am
                  WHERE am.account_id = app_current_account() AND am.user_id = app_current_user() AND am.role_key = 'owner')
$$;
-- Publisher permissions do not reach across the account: a publisher's Owner is not the account's.
CREATE POLICY account_member_insert ON account_members FOR INSERT TO platform_app
  WITH CHECK (account_id = app_current_account() AND app_is_account_owner());
CREATE POLICY account_member_update ON account_members FOR UPDATE TO platform_app
  USING (account_id = app_current_account() AND app_is_account_owner())
  WITH CHECK (account_id = app_current_account() AND app_is_account_owner());
CREATE POLICY account_member_delete ON account_members FOR DELETE TO platform_app
  USING (account_id = app_current_account() AND app_is_account_owner());

-- The holder of an account role sees the account's publishers (to choose one), like a member.
DROP POLICY publisher_visible ON publishers;
CREATE POLICY publisher_visible ON publishers FOR SELECT TO platform_app USING (
  id = app_current_publisher()
  OR id IN (SELECT m.publisher_id FROM user_publishers m WHERE m.user_id = app_current_user())
  OR account_id IN (SELECT am.account_id FROM account_members am WHERE am.user_id = app_current_user()));
