DROP POLICY own_role_permissions_visible ON role_permissions;
DROP POLICY own_works_only ON work_recordings;
DROP POLICY own_line_only_insert ON work_writers;
DROP POLICY own_line_only_delete ON work_writers;
DROP POLICY own_line_only_update ON work_writers;
DROP POLICY own_works_only ON work_writers;
DROP FUNCTION app_work_has_writers(uuid, uuid);
DROP FUNCTION app_work_has_writer(uuid, uuid, uuid);
DROP POLICY own_works_lookup ON work_writers;

-- 005's rule: restricted when every role held is an own-works role.
CREATE OR REPLACE FUNCTION app_own_works_songwriter() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(m.songwriter_id, '00000000-0000-0000-0000-000000000000'::uuid)
    FROM user_publishers m
   WHERE m.publisher_id = app_current_publisher() AND m.user_id = app_current_user()
     AND EXISTS (SELECT 1 FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                  WHERE mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id)
     AND NOT EXISTS (SELECT 1 FROM membership_roles mr JOIN roles r ON r.publisher_id = mr.publisher_id AND r.id = mr.role_id
                      WHERE mr.publisher_id = m.publisher_id AND mr.user_id = m.user_id AND NOT r.own_works_only)
$$;
DROP FUNCTION app_is_catalog_permission(text);

DROP TABLE refresh_token_rotations;
ALTER TABLE user_publishers DROP COLUMN sessions_revoked_at;
ALTER TABLE user_sessions DROP COLUMN authenticated_at;

ALTER TABLE membership_roles DROP CONSTRAINT membership_roles_role_fkey,
  ADD CONSTRAINT membership_roles_role_fkey FOREIGN KEY (publisher_id, role_id) REFERENCES roles (publisher_id, id) ON DELETE CASCADE;
DROP INDEX invitations_open_email_key;
DROP TRIGGER account_seat_limit ON accounts;
DROP TRIGGER account_seat_limit ON user_publishers;
DROP TRIGGER account_seat_limit ON invitations;
DROP FUNCTION app_assert_seat_available();
DROP FUNCTION app_seats_used(uuid);
DROP TRIGGER publisher_keeps_owner ON user_publishers;
DROP TRIGGER publisher_keeps_owner ON membership_roles;
DROP FUNCTION app_assert_publisher_keeps_owner();
DROP POLICY rule_checks ON accounts;
DROP POLICY rule_checks ON invitations;
DROP POLICY rule_checks ON roles;
DROP POLICY rule_checks ON membership_roles;
DROP POLICY rule_checks ON user_publishers;
