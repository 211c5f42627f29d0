-- Platform operations: a scope above publishers. Platform operators hold a platform role (never a
-- membership) whose permissions come from the same catalog, with scope PLATFORM; they sign in to
-- a session without a publisher, in which every tenant table answers nothing. What they may see
-- and change of publishers and accounts is granted here, row by row, through app_platform_can().

DO $$ BEGIN RAISE NOTICE '016 step 1/5: permission scopes and platform roles'; END $$;
ALTER TABLE permissions ADD COLUMN scope text NOT NULL DEFAULT 'PUBLISHER' CHECK (scope IN ('PUBLISHER', 'PLATFORM'));

-- Synced from @platform/permissions after migrating, like the catalog itself.
CREATE TABLE platform_roles (
  key         text PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL
);
CREATE TABLE platform_role_permissions (
  role_key       text NOT NULL REFERENCES platform_roles (key) ON DELETE CASCADE,
  permission_key text NOT NULL REFERENCES permissions (key) ON DELETE CASCADE,
  PRIMARY KEY (role_key, permission_key)
);
GRANT SELECT ON platform_roles, platform_role_permissions TO platform_app;

-- Who runs the platform. Granted with `pnpm platform:grant` (the database's owner), never
-- through the API: no one signs themselves up as an operator.
CREATE TABLE platform_staff (
  user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  role_key   text NOT NULL REFERENCES platform_roles (key),
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by text NOT NULL
);
ALTER TABLE platform_staff ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_platform_role ON platform_staff FOR SELECT TO platform_app USING (user_id = app_current_user());
ALTER TABLE platform_staff FORCE ROW LEVEL SECURITY;
GRANT SELECT ON platform_staff TO platform_app;

-- The platform permissions of the current user, in a session without a publisher only: inside a
-- publisher (support access) an operator holds what that publisher granted, nothing more.
CREATE FUNCTION app_platform_permissions() RETURNS text[] LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(rp.permission_key ORDER BY rp.permission_key), '{}')
    FROM platform_staff s
    JOIN users u ON u.id = s.user_id AND u.status = 'ACTIVE'
    JOIN platform_role_permissions rp ON rp.role_key = s.role_key
   WHERE s.user_id = app_current_user() AND app_current_publisher() IS NULL
$$;
REVOKE ALL ON FUNCTION app_platform_permissions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_platform_permissions() TO platform_app;
CREATE FUNCTION app_platform_can(p_permission text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_permission = ANY (app_platform_permissions())
$$;

DO $$ BEGIN RAISE NOTICE '016 step 2/5: platform sessions carry no publisher'; END $$;
ALTER TABLE user_sessions ALTER COLUMN publisher_id DROP NOT NULL;

DO $$ BEGIN RAISE NOTICE '016 step 3/5: what operators see and change of publishers and accounts'; END $$;
ALTER TABLE publishers ADD COLUMN suspended_reason text CHECK (length(suspended_reason) <= 500);
-- Wrapped in SELECT so that each policy asks once per statement, not once per row.
CREATE POLICY platform_read ON publishers FOR SELECT TO platform_app USING ((SELECT app_platform_can('platform:read')));
CREATE POLICY platform_onboard ON publishers FOR INSERT TO platform_app WITH CHECK ((SELECT app_platform_can('platform:onboard')));
CREATE POLICY platform_manage ON publishers FOR UPDATE TO platform_app
  USING ((SELECT app_platform_can('platform:manage'))) WITH CHECK ((SELECT app_platform_can('platform:manage')));
GRANT INSERT (id, account_id, slug, name, type, status, settings, created_at, updated_at) ON publishers TO platform_app;
GRANT UPDATE (status, type, suspended_reason, updated_at) ON publishers TO platform_app;

CREATE POLICY platform_read ON accounts FOR SELECT TO platform_app USING ((SELECT app_platform_can('platform:read')));
CREATE POLICY platform_onboard ON accounts FOR INSERT TO platform_app WITH CHECK ((SELECT app_platform_can('platform:onboard')));
CREATE POLICY platform_manage ON accounts FOR UPDATE TO platform_app
  USING ((SELECT app_platform_can('platform:manage'))) WITH CHECK ((SELECT app_platform_can('platform:manage')));
GRANT INSERT (id, name, plan, seat_limit, subscription_status, trial_ends_at, created_at, updated_at) ON accounts TO platform_app;

-- A publisher's status and type are the platform's to change. The application's roles may update
-- other columns of their own publisher (publisher:manage), so these columns are guarded here; the
-- owner's tooling and a superuser are not the application.
CREATE FUNCTION app_publisher_lifecycle_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.status, NEW.type, NEW.suspended_reason) IS DISTINCT FROM (OLD.status, OLD.type, OLD.suspended_reason)
     AND pg_has_role(current_user, 'platform_app', 'MEMBER')
     AND NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
     AND NOT app_platform_can('platform:manage') THEN
    RAISE EXCEPTION 'Only a platform operator changes the status or type of a publisher' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER publishers_lifecycle_guard BEFORE UPDATE ON publishers
  FOR EACH ROW EXECUTE FUNCTION app_publisher_lifecycle_guard();

-- Slugs are the sign-in names of publishers: lower-case words joined by hyphens. "platform" is
-- how an operator who is also a member chooses the platform at sign-in.
ALTER TABLE publishers ADD CONSTRAINT publishers_slug_format
  CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$' AND slug <> 'platform') NOT VALID;

-- The operators' list: every publisher with its account, seats and last activity, and nothing of
-- what is inside it (no member, no work). Runs as the owner, after checking the caller.
CREATE FUNCTION app_platform_publishers()
  RETURNS TABLE (id uuid, slug text, name text, type publisher_type, status publisher_status,
                 suspended_reason text, account_id uuid, created_at timestamptz,
                 seats_used integer, last_activity_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.slug, p.name, p.type, p.status, p.suspended_reason, p.account_id, p.created_at,
         (SELECT count(*)::integer FROM user_publishers m WHERE m.publisher_id = p.id AND m.status = 'ACTIVE'),
         greatest((SELECT max(s.last_used_at) FROM user_sessions s WHERE s.publisher_id = p.id),
                  (SELECT a.created_at FROM audit_log a WHERE a.publisher_id = p.id ORDER BY a.seq DESC LIMIT 1))
    FROM publishers p
   WHERE app_platform_can('platform:read')
$$;
REVOKE ALL ON FUNCTION app_platform_publishers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_platform_publishers() TO platform_app;

-- Why a user cannot sign in to a publisher they belong to: its suspension, said at sign-in.
CREATE FUNCTION app_suspended_publishers_of(p_user uuid)
  RETURNS TABLE (id uuid, slug text, suspended_reason text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.slug, p.suspended_reason
    FROM publishers p
   WHERE p.status = 'SUSPENDED' AND p_user = app_current_user()
     AND (EXISTS (SELECT 1 FROM user_publishers m WHERE m.publisher_id = p.id AND m.user_id = p_user AND m.status = 'ACTIVE')
          OR EXISTS (SELECT 1 FROM account_members am WHERE am.account_id = p.account_id AND am.user_id = p_user))
   ORDER BY p.slug
$$;
REVOKE ALL ON FUNCTION app_suspended_publishers_of(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_suspended_publishers_of(uuid) TO platform_app;

DO $$ BEGIN RAISE NOTICE '016 step 4/5: the platform audit log, and operators in the publishers'' logs'; END $$;
-- An operator's act on a publisher is in that publisher's log too, as what it is.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check,
  ADD CONSTRAINT audit_log_actor_type_check
    CHECK (actor_type IN ('USER', 'PARTNER_CLIENT', 'DIRECTORY_SYNC', 'SYSTEM', 'ANONYMOUS', 'PLATFORM_OPERATOR'));

-- What operators do, in the platform's own log. Publisher and account ids are not foreign keys:
-- the entry outlives an offboarded publisher. Append-only like the publishers' logs.
CREATE TABLE platform_audit_log (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sequence      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid NOT NULL,
  action        text NOT NULL,
  publisher_id  uuid,
  account_id    uuid,
  data          jsonb NOT NULL DEFAULT '{}',
  request_id    text,
  client_ip     text
);
CREATE INDEX platform_audit_log_publisher_idx ON platform_audit_log (publisher_id, sequence);
ALTER TABLE platform_audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY platform_read ON platform_audit_log FOR SELECT TO platform_app USING ((SELECT app_platform_can('platform:read')));
-- An operator writes entries of their own acts, in a platform session.
CREATE POLICY operator_writes ON platform_audit_log FOR INSERT TO platform_app
  WITH CHECK (actor_user_id = app_current_user() AND cardinality((SELECT app_platform_permissions())) > 0);
ALTER TABLE platform_audit_log FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON platform_audit_log TO platform_app;
CREATE FUNCTION app_platform_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The platform audit log is append-only: entries are never changed or removed' USING ERRCODE = 'PP002';
END $$;
CREATE TRIGGER platform_audit_log_append_only BEFORE UPDATE OR DELETE ON platform_audit_log
  FOR EACH ROW EXECUTE FUNCTION app_platform_audit_append_only();
CREATE TRIGGER platform_audit_log_no_truncate BEFORE TRUNCATE ON platform_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION app_platform_audit_append_only();

DO $$ BEGIN RAISE NOTICE '016 step 5/5: the owner reads what it syncs and grants'; END $$;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY platform_tooling ON platform_staff TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
