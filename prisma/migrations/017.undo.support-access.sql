-- audit_log keeps admitting SUPPORT_ACCESS actors: entries are never changed (their hashes cover
-- the actor type) nor removed.
CREATE OR REPLACE FUNCTION app_enterable_publishers(p_user uuid)
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
  ) granted
$$;
DROP POLICY user_with_support_access ON users;
DROP TABLE support_access_grants;
DROP FUNCTION app_support_access_break_glass();
DROP FUNCTION app_support_access_transition();
