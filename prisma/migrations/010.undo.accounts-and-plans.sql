DROP FUNCTION app_publishers_of_account(uuid);
DROP TABLE billing_events;
DROP FUNCTION app_plan_change_blockers(text);
DROP TRIGGER account_partner_client_limit ON partner_clients;
DROP FUNCTION app_assert_partner_client_available();

-- Back to 007's seats: counted per publisher, against the account's own limit.
DROP TRIGGER account_seat_limit ON invitations;
DROP TRIGGER account_seat_limit ON user_publishers;
DROP TRIGGER account_seat_limit ON accounts;
DROP FUNCTION app_assert_seat_available();
DROP FUNCTION app_account_usage();
DROP FUNCTION app_account_seats_used(uuid);
ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY;
UPDATE accounts a SET seat_limit = p.seat_limit FROM plans p WHERE p.key = a.plan AND a.seat_limit IS NULL;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
DROP FUNCTION app_account_seat_limit(uuid);
ALTER TABLE accounts ALTER COLUMN seat_limit SET DEFAULT 10, ALTER COLUMN seat_limit SET NOT NULL;
CREATE FUNCTION app_seats_used(p_publisher uuid) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT ((SELECT count(*) FROM user_publishers m WHERE m.publisher_id = p_publisher AND m.status = 'ACTIVE')
        + (SELECT count(*) FROM invitations i
            WHERE i.publisher_id = p_publisher AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()))::integer
$$;
CREATE FUNCTION app_assert_seat_available() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  pid uuid;
  aid uuid;
  seat_limit integer;
BEGIN
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

REVOKE UPDATE (subscription_status, trial_ends_at, subscription_changed_at) ON accounts FROM platform_app;
ALTER TABLE accounts DROP CONSTRAINT accounts_trial_has_end, DROP COLUMN subscription_changed_at, DROP COLUMN trial_ends_at;
ALTER TYPE subscription_status RENAME VALUE 'CANCELLED' TO 'CANCELED';
ALTER TABLE accounts DROP CONSTRAINT accounts_plan_fkey, ALTER COLUMN plan SET DEFAULT 'standard';
DROP TABLE plans;
