-- What finished offboardings removed stays removed; their records go with the table.
CREATE OR REPLACE FUNCTION app_audit_append_only() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM publishers p WHERE p.id = OLD.publisher_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'The audit log is append-only: entries are never changed or removed'
    USING ERRCODE = 'PP002';
END $$;
CREATE OR REPLACE FUNCTION app_assert_publisher_keeps_owner() RETURNS trigger LANGUAGE plpgsql
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
DROP FUNCTION app_offboarding_finish(uuid);
DROP FUNCTION app_offboarding_left(uuid);
DROP FUNCTION app_offboard_batch(uuid, text, integer);
DROP FUNCTION app_offboarding_deletes(uuid);
DROP FUNCTION app_offboarding_exported(uuid, jsonb);
DROP FUNCTION app_offboarding_people(uuid);
DROP FUNCTION app_offboarding_rows(uuid, text, jsonb, integer);
DROP FUNCTION app_offboarding_cancel(uuid);
DROP FUNCTION app_offboarding_begin(uuid);
DROP FUNCTION app_offboarding_check(text);
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT table_name FROM app_publisher_tables() LOOP
    EXECUTE format('DROP POLICY offboarding ON %I', t);
  END LOOP;
  DROP POLICY offboarding ON publishers;
END $$;
DROP FUNCTION app_publisher_tables();
DROP FUNCTION app_offboarding_publisher();
DROP TABLE publisher_offboardings;
