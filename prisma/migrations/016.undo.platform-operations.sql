DROP TABLE platform_audit_log;
-- audit_log keeps admitting PLATFORM_OPERATOR actors: entries are never changed (their hashes cover
-- the actor type) nor removed.
DROP FUNCTION app_platform_audit_append_only();
DROP FUNCTION app_suspended_publishers_of(uuid);
DROP FUNCTION app_platform_publishers();
ALTER TABLE publishers DROP CONSTRAINT publishers_slug_format;
DROP TRIGGER publishers_lifecycle_guard ON publishers;
DROP FUNCTION app_publisher_lifecycle_guard();
REVOKE INSERT (id, account_id, slug, name, type, status, settings, created_at, updated_at) ON publishers FROM platform_app;
-- updated_at stays: migration 005 granted it for publisher:manage.
REVOKE UPDATE (status, type, suspended_reason) ON publishers FROM platform_app;
REVOKE INSERT (id, name, plan, seat_limit, subscription_status, trial_ends_at, created_at, updated_at) ON accounts FROM platform_app;
DROP POLICY platform_read ON publishers;
DROP POLICY platform_onboard ON publishers;
DROP POLICY platform_manage ON publishers;
DROP POLICY platform_read ON accounts;
DROP POLICY platform_onboard ON accounts;
DROP POLICY platform_manage ON accounts;
ALTER TABLE publishers DROP COLUMN suspended_reason;
-- Platform sessions have no publisher to fall back to: they end with the scope that made them.
DELETE FROM user_sessions WHERE publisher_id IS NULL;
ALTER TABLE user_sessions ALTER COLUMN publisher_id SET NOT NULL;
DROP FUNCTION app_platform_can(text);
DROP FUNCTION app_platform_permissions();
DROP TABLE platform_staff;
DROP TABLE platform_role_permissions;
DROP TABLE platform_roles;
DELETE FROM permissions WHERE scope = 'PLATFORM';
ALTER TABLE permissions DROP COLUMN scope;
