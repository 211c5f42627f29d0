DROP TRIGGER account_seat_limit ON account_members;
CREATE OR REPLACE FUNCTION app_assert_seat_available() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  aid uuid;
  seat_limit integer;
BEGIN
  IF TG_TABLE_NAME = 'accounts' THEN
    aid := NEW.id;
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
  ) people
$$;
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
DROP FUNCTION app_account_person(text);
DROP FUNCTION app_enterable_publishers(uuid);
DROP FUNCTION app_permissions_of(uuid, uuid);
DROP POLICY user_account_member_visible ON users;
DROP POLICY publisher_visible ON publishers;
CREATE POLICY publisher_visible ON publishers FOR SELECT USING (
  id = app_current_publisher()
  OR id IN (SELECT m.publisher_id FROM user_publishers m WHERE m.user_id = app_current_user()));
DROP TABLE account_members;
DROP FUNCTION app_is_account_owner();
DROP FUNCTION app_current_account();
