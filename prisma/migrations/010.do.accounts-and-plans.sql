-- Accounts and subscriptions: plans become data (limits and features per publisher type), seats
-- are counted across every publisher of an account (a person once), the plan's limits and
-- features are enforced where they cannot race, the subscription carries a trial end and the time
-- of its last change, and the billing provider's webhook deliveries are remembered by event id.
--
-- SQLSTATE PP001 is ours: a business rule the database refused (see 007).

DO $$ BEGIN RAISE NOTICE '010 step 1/5: plans'; END $$;
-- What a plan gives: product data like the permission catalog, the same for every reader.
CREATE TABLE plans (
  key                  text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9-]{1,40}$'),
  name                 text NOT NULL,
  publisher_type       publisher_type NOT NULL,
  seat_limit           integer NOT NULL CHECK (seat_limit >= 1),
  partner_client_limit integer NOT NULL CHECK (partner_client_limit >= 0),
  -- NULL: no monthly limit.
  api_calls_per_month  bigint CHECK (api_calls_per_month >= 0),
  features             text[] NOT NULL DEFAULT '{}'
    CHECK (features <@ ARRAY['custom_roles', 'directory_sign_in', 'partner_api']::text[]),
  -- A plan without the partner API allows no partner client.
  CHECK ('partner_api' = ANY (features) OR partner_client_limit = 0)
);
INSERT INTO plans (key, name, publisher_type, seat_limit, partner_client_limit, api_calls_per_month, features) VALUES
  ('enterprise',          'Enterprise',          'ENTERPRISE', 1000,  25, 10000000, '{custom_roles,directory_sign_in,partner_api}'),
  ('enterprise-standard', 'Enterprise Standard', 'ENTERPRISE', 250,   5,  2000000,  '{directory_sign_in,partner_api}'),
  ('platform',            'Platform',            'PLATFORM',   10000, 10, 5000000,  '{partner_api}'),
  ('boutique',            'Boutique',            'BOUTIQUE',   25,    2,  250000,   '{partner_api}'),
  ('boutique-plus',       'Boutique Plus',       'BOUTIQUE',   60,    5,  1000000,  '{directory_sign_in,partner_api}');
GRANT SELECT ON plans TO platform_app;

DO $$ BEGIN RAISE NOTICE '010 step 2/5: accounts: a plan of the catalog, a trial end, cancelled'; END $$;
-- The owner rewrites every account here, whatever row-level security would show it.
ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY;
-- An account whose plan names no plan of the catalog (the legacy default "standard") gets the
-- plan of its publishers' type; one without publishers the smallest.
UPDATE accounts a
   SET plan = coalesce((SELECT CASE p.type WHEN 'ENTERPRISE' THEN 'enterprise' WHEN 'PLATFORM' THEN 'platform' ELSE 'boutique' END
                          FROM publishers p WHERE p.account_id = a.id ORDER BY p.created_at LIMIT 1), 'boutique')
 WHERE a.plan NOT IN (SELECT key FROM plans);
ALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT,
  ADD CONSTRAINT accounts_plan_fkey FOREIGN KEY (plan) REFERENCES plans (key);
-- The seat limit becomes an override of the plan's (seats bought beyond it); where it equals the
-- plan's there is nothing to override. Kept where it differs: an upgrade widens no account.
ALTER TABLE accounts ALTER COLUMN seat_limit DROP NOT NULL, ALTER COLUMN seat_limit DROP DEFAULT;
UPDATE accounts a SET seat_limit = NULL FROM plans p WHERE p.key = a.plan AND p.seat_limit = a.seat_limit;
ALTER TYPE subscription_status RENAME VALUE 'CANCELED' TO 'CANCELLED';
ALTER TABLE accounts
  ADD COLUMN trial_ends_at timestamptz,
  -- When the billing provider's newest applied event happened: an older one arriving late is ignored.
  ADD COLUMN subscription_changed_at timestamptz;
UPDATE accounts SET trial_ends_at = now() + interval '14 days' WHERE subscription_status = 'TRIALING';
ALTER TABLE accounts ADD CONSTRAINT accounts_trial_has_end CHECK (subscription_status <> 'TRIALING' OR trial_ends_at IS NOT NULL);
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
GRANT UPDATE (subscription_status, trial_ends_at, subscription_changed_at) ON accounts TO platform_app;

-- The plan of the active publisher's account (no other account is visible anyway).
CREATE FUNCTION app_account_seat_limit(p_account uuid) RETURNS integer LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(a.seat_limit, p.seat_limit) FROM accounts a JOIN plans p ON p.key = a.plan WHERE a.id = p_account
$$;

DO $$ BEGIN RAISE NOTICE '010 step 3/5: seats across every publisher of the account'; END $$;
-- A seat is a person: an active member of any publisher of the account, or an email with an open
-- invitation there; someone in two publishers of the account, or invited where they are already
-- a member elsewhere in it, holds one seat.
CREATE FUNCTION app_account_seats_used(p_account uuid) RETURNS integer LANGUAGE sql STABLE
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
-- Both are the rule's own arithmetic, for any account: not callable by the application, which
-- asks through app_account_seats() about its own account only.
REVOKE ALL ON FUNCTION app_account_seat_limit(uuid), app_account_seats_used(uuid) FROM PUBLIC;

-- Per publisher of the active publisher's account: its seats and live partner clients, with the
-- account's seats (each person once) and seat limit. What the account's billing readers see;
-- nothing about any other account.
CREATE FUNCTION app_account_usage()
  RETURNS TABLE (slug text, name text, seats_used integer, partner_clients integer, account_seats_used integer, account_seat_limit integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH account AS (SELECT p.account_id AS id FROM publishers p WHERE p.id = app_current_publisher())
  SELECT p.slug, p.name,
         ((SELECT count(*) FROM user_publishers m WHERE m.publisher_id = p.id AND m.status = 'ACTIVE')
        + (SELECT count(*) FROM invitations i
            WHERE i.publisher_id = p.id AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()))::integer,
         (SELECT count(*) FROM partner_clients c
           WHERE c.publisher_id = p.id AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()))::integer,
         app_account_seats_used(account.id),
         app_account_seat_limit(account.id)
    FROM account JOIN publishers p ON p.account_id = account.id
   ORDER BY p.slug
$$;
REVOKE ALL ON FUNCTION app_account_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_account_usage() TO platform_app;

DROP TRIGGER account_seat_limit ON invitations;
DROP TRIGGER account_seat_limit ON user_publishers;
DROP TRIGGER account_seat_limit ON accounts;
DROP FUNCTION app_assert_seat_available();
DROP FUNCTION app_seats_used(uuid);
-- As in 007: a lock per account, then the count, at commit; now over the whole account, against
-- the plan's limit or the account's override. A plan change or a lowered override must leave room
-- for what is in use.
CREATE FUNCTION app_assert_seat_available() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  aid uuid;
  seat_limit integer;
BEGIN
  -- (Record fields are resolved when read: each table's branch reads only its own columns.)
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
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER INSERT ON invitations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_seat_available();
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER INSERT OR UPDATE OF status ON user_publishers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'ACTIVE')
  EXECUTE FUNCTION app_assert_seat_available();
CREATE CONSTRAINT TRIGGER account_seat_limit AFTER UPDATE OF seat_limit, plan ON accounts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.seat_limit IS DISTINCT FROM OLD.seat_limit OR NEW.plan IS DISTINCT FROM OLD.plan)
  EXECUTE FUNCTION app_assert_seat_available();

DO $$ BEGIN RAISE NOTICE '010 step 4/5: partner clients within the plan'; END $$;
-- Live partner clients (neither revoked nor expired) across the account, within the plan's limit:
-- the same lock-then-count at commit, so parallel creations cannot pass it together.
CREATE FUNCTION app_assert_partner_client_available() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  aid uuid;
  allowed integer;
  plan_name text;
BEGIN
  SELECT p.account_id INTO aid FROM publishers p WHERE p.id = NEW.publisher_id;
  PERFORM pg_advisory_xact_lock(hashtextextended('account-partner-clients:' || aid::text, 0));
  SELECT pl.partner_client_limit, pl.name INTO allowed, plan_name FROM accounts a JOIN plans pl ON pl.key = a.plan WHERE a.id = aid;
  IF (SELECT count(*) FROM partner_clients c JOIN publishers p ON p.id = c.publisher_id
       WHERE p.account_id = aid AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now())) > allowed THEN
    RAISE EXCEPTION 'The % plan allows % live partner clients across the account, and all are in use; revoke one or change the plan',
      plan_name, allowed USING ERRCODE = 'PP001';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER account_partner_client_limit AFTER INSERT ON partner_clients
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_partner_client_available();

-- What stands in the way of moving the active publisher's account to a plan: the features in use
-- that the plan lacks, and limits it would exceed, each in words. Empty: nothing does. Seats are
-- the trigger's (it runs at commit of the change itself).
CREATE FUNCTION app_plan_change_blockers(p_plan text) RETURNS text[] LANGUAGE plpgsql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  aid uuid;
  target plans;
  blockers text[] := '{}';
  n integer;
  wrong_types text;
BEGIN
  SELECT p.account_id INTO aid FROM publishers p WHERE p.id = app_current_publisher();
  SELECT * INTO target FROM plans WHERE key = p_plan;
  IF aid IS NULL OR target IS NULL THEN
    RETURN blockers;
  END IF;
  SELECT string_agg(p.slug || ' (' || p.type || ')', ', ' ORDER BY p.slug) INTO wrong_types
    FROM publishers p WHERE p.account_id = aid AND p.type <> target.publisher_type;
  IF wrong_types IS NOT NULL THEN
    blockers := blockers || format('the plan is for %s publishers, and the account has %s', target.publisher_type, wrong_types);
  END IF;
  IF NOT 'custom_roles' = ANY (target.features) THEN
    SELECT count(*) INTO n FROM roles r JOIN publishers p ON p.id = r.publisher_id WHERE p.account_id = aid AND NOT r.is_template;
    IF n > 0 THEN
      blockers := blockers || format('%s custom roles exist, and the plan has none: delete them first', n);
    END IF;
  END IF;
  IF NOT 'directory_sign_in' = ANY (target.features) THEN
    SELECT string_agg(p.slug, ', ' ORDER BY p.slug) INTO wrong_types
      FROM directories d JOIN publishers p ON p.id = d.publisher_id WHERE p.account_id = aid;
    IF wrong_types IS NOT NULL THEN
      blockers := blockers || format('directory sign-in is configured for %s, and the plan has none', wrong_types);
    END IF;
  END IF;
  SELECT count(*) INTO n FROM partner_clients c JOIN publishers p ON p.id = c.publisher_id
   WHERE p.account_id = aid AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now());
  IF n > target.partner_client_limit THEN
    blockers := blockers || format('%s partner clients are live, and the plan allows %s: revoke some first', n, target.partner_client_limit);
  END IF;
  RETURN blockers;
END $$;
REVOKE ALL ON FUNCTION app_plan_change_blockers(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_plan_change_blockers(text) TO platform_app;

DO $$ BEGIN RAISE NOTICE '010 step 5/5: the billing provider''s webhook deliveries'; END $$;
-- One row per provider event: a delivery retried by the provider is answered without applying it
-- twice. Readable and writable in the scope of a publisher of the account only.
CREATE TABLE billing_events (
  id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  type        text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- false: an event older than the account's newest applied one, recorded and ignored.
  applied     boolean NOT NULL
);
CREATE INDEX billing_events_account_idx ON billing_events (account_id, occurred_at);
ALTER TABLE billing_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY billing_event_of_account ON billing_events
  USING (account_id IN (SELECT p.account_id FROM publishers p WHERE p.id = app_current_publisher()))
  WITH CHECK (account_id IN (SELECT p.account_id FROM publishers p WHERE p.id = app_current_publisher()));
ALTER TABLE billing_events FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON billing_events TO platform_app;

-- The webhook names an account; the work is done in the scope of its publishers. Ids only.
CREATE FUNCTION app_publishers_of_account(p_account uuid) RETURNS SETOF uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id FROM publishers p WHERE p.account_id = p_account ORDER BY p.slug
$$;
REVOKE ALL ON FUNCTION app_publishers_of_account(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_publishers_of_account(uuid) TO platform_app;
