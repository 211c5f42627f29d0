-- Support access: a platform operator looks inside one publisher only when that publisher's Owners
-- let them, for a time they approved and with the permissions they approved; or, in an emergency,
-- through break-glass access, which its Owners are told of and which lasts one hour. A live grant
-- works like a temporary membership: app_permissions_of() adds its permissions, the publisher
-- becomes enterable, and every change the operator makes is logged as support access.

DO $$ BEGIN RAISE NOTICE '017 step 1/3: support access grants'; END $$;
CREATE TABLE support_access_grants (
  publisher_id  uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason        text NOT NULL CHECK (length(reason) BETWEEN 10 AND 1000),
  permissions   text[] NOT NULL CHECK (cardinality(permissions) > 0),
  duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
  break_glass   boolean NOT NULL DEFAULT false,
  status        text NOT NULL CHECK (status IN ('REQUESTED', 'APPROVED', 'DENIED', 'REVOKED')),
  requested_at  timestamptz NOT NULL DEFAULT now(),
  decided_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  decided_at    timestamptz,
  expires_at    timestamptz,
  revoked_by    uuid REFERENCES users (id) ON DELETE SET NULL,
  revoked_at    timestamptz,
  PRIMARY KEY (publisher_id, id),
  -- Nobody approves their own access; break-glass access is decided by no one.
  CHECK (decided_by IS DISTINCT FROM user_id),
  CHECK (NOT break_glass OR (duration_minutes = 60 AND decided_by IS NULL)),
  -- An approved grant runs out within its duration of the decision.
  CHECK ((status = 'REQUESTED') = (decided_at IS NULL)),
  CHECK ((status IN ('APPROVED', 'REVOKED')) = (expires_at IS NOT NULL)),
  CHECK (expires_at IS NULL OR expires_at <= decided_at + make_interval(mins => duration_minutes)),
  CHECK ((status = 'REVOKED') = (revoked_at IS NOT NULL))
);
-- The live grant of a person in a publisher, read by every request's access query.
CREATE INDEX support_access_grants_holder_idx ON support_access_grants (publisher_id, user_id, expires_at)
  WHERE status = 'APPROVED';
-- An operator's own requests, across publishers.
CREATE INDEX support_access_grants_operator_idx ON support_access_grants (user_id, requested_at);

-- Requests are decided once, grants only revoked: the row records what was allowed, and the
-- database sets the times so that no caller picks its own expiry.
CREATE FUNCTION app_support_access_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.publisher_id, NEW.id, NEW.user_id, NEW.reason, NEW.permissions, NEW.duration_minutes, NEW.break_glass, NEW.requested_at)
     IS DISTINCT FROM (OLD.publisher_id, OLD.id, OLD.user_id, OLD.reason, OLD.permissions, OLD.duration_minutes, OLD.break_glass, OLD.requested_at) THEN
    RAISE EXCEPTION 'What a support access request asked for never changes' USING ERRCODE = '42501';
  END IF;
  IF OLD.status = 'REQUESTED' AND NEW.status IN ('APPROVED', 'DENIED') THEN
    NEW.decided_at := now();
    NEW.expires_at := CASE WHEN NEW.status = 'APPROVED' THEN now() + make_interval(mins => NEW.duration_minutes) END;
  ELSIF OLD.status = 'APPROVED' AND NEW.status = 'REVOKED' THEN
    NEW.decided_at := OLD.decided_at;
    NEW.revoked_at := now();
    NEW.expires_at := least(OLD.expires_at, now());
  ELSE
    RAISE EXCEPTION 'Support access cannot go from % to %', OLD.status, NEW.status USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER support_access_grants_transition BEFORE UPDATE ON support_access_grants
  FOR EACH ROW EXECUTE FUNCTION app_support_access_transition();

DO $$ BEGIN RAISE NOTICE '017 step 2/3: who sees and decides support access'; END $$;
ALTER TABLE support_access_grants ENABLE ROW LEVEL SECURITY;
-- The publisher sees the requests and grants made to it, and decides them (support:approve in
-- the rules; the columns below are all an update may touch).
CREATE POLICY publisher_isolation ON support_access_grants FOR SELECT TO platform_app
  USING (publisher_id = app_current_publisher());
CREATE POLICY publisher_decides ON support_access_grants FOR UPDATE TO platform_app
  USING (publisher_id = app_current_publisher()) WITH CHECK (publisher_id = app_current_publisher());
-- An operator sees their own requests, and asks in a platform session only: a request with the
-- support:request permission, break-glass access (approved at once) with support:break_glass.
CREATE POLICY own_requests ON support_access_grants FOR SELECT TO platform_app USING (user_id = app_current_user());
CREATE POLICY operator_requests ON support_access_grants FOR INSERT TO platform_app WITH CHECK (
  user_id = app_current_user() AND app_current_publisher() IS NULL
  AND CASE WHEN break_glass THEN status = 'APPROVED' AND (SELECT app_platform_can('support:break_glass'))
           ELSE status = 'REQUESTED' AND (SELECT app_platform_can('support:request')) END);
ALTER TABLE support_access_grants FORCE ROW LEVEL SECURITY;
-- The owner's definer functions (app_enterable_publishers below) read live grants at sign-in.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY access_checks ON support_access_grants FOR SELECT TO %I USING (true)', current_user);
END $$;
GRANT SELECT ON support_access_grants TO platform_app;
GRANT INSERT (publisher_id, id, user_id, reason, permissions, duration_minutes, break_glass, status, requested_at)
  ON support_access_grants TO platform_app;
GRANT UPDATE (status, decided_by, decided_at, expires_at, revoked_by, revoked_at) ON support_access_grants TO platform_app;

-- Break-glass access is approved by no one: it starts when it is written and lasts its hour.
CREATE FUNCTION app_support_access_break_glass() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.break_glass THEN
    NEW.decided_at := now();
    NEW.expires_at := now() + make_interval(mins => NEW.duration_minutes);
  ELSE
    NEW.decided_at := NULL;
    NEW.expires_at := NULL;
  END IF;
  NEW.requested_at := now();
  RETURN NEW;
END $$;
CREATE TRIGGER support_access_grants_requested BEFORE INSERT ON support_access_grants
  FOR EACH ROW EXECUTE FUNCTION app_support_access_break_glass();

-- The publisher's members see the name and email of an operator who asked for access to it.
CREATE POLICY user_with_support_access ON users FOR SELECT TO platform_app USING (
  EXISTS (SELECT 1 FROM support_access_grants g WHERE g.user_id = users.id AND g.publisher_id = app_current_publisher()));

DO $$ BEGIN RAISE NOTICE '017 step 3/3: a live grant works like a membership'; END $$;
CREATE OR REPLACE FUNCTION app_permissions_of(p_publisher uuid, p_user uuid) RETURNS text[] LANGUAGE sql STABLE AS $$
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
    UNION ALL
    SELECT unnest(g.permissions)
      FROM support_access_grants g
     WHERE g.publisher_id = p_publisher AND g.user_id = p_user AND g.status = 'APPROVED' AND g.expires_at > now()
  ) granted
$$;

CREATE OR REPLACE FUNCTION app_enterable_publishers(p_user uuid)
  RETURNS TABLE (id uuid, slug text, name text, type publisher_type, sessions_revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.slug, p.name, p.type, max(m.sessions_revoked_at)
    FROM publishers p
    LEFT JOIN user_publishers m ON m.publisher_id = p.id AND m.user_id = p_user AND m.status = 'ACTIVE'
    LEFT JOIN account_members am ON am.account_id = p.account_id AND am.user_id = p_user
   WHERE p.status = 'ACTIVE' AND p_user = app_current_user()
     AND (m.user_id IS NOT NULL OR am.user_id IS NOT NULL
          OR EXISTS (SELECT 1 FROM support_access_grants g
                      WHERE g.publisher_id = p.id AND g.user_id = p_user AND g.status = 'APPROVED' AND g.expires_at > now()))
   GROUP BY p.id, p.slug, p.name, p.type
   ORDER BY p.slug
$$;

-- What an operator inside a publisher changes is that publisher's log's, as support access.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check,
  ADD CONSTRAINT audit_log_actor_type_check
    CHECK (actor_type IN ('USER', 'PARTNER_CLIENT', 'DIRECTORY_SYNC', 'SYSTEM', 'ANONYMOUS', 'PLATFORM_OPERATOR', 'SUPPORT_ACCESS'));
