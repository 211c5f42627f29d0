-- Identity hardening: refresh-token rotation, revocation, security events, password resets and
-- the counters behind login lockout and throttling.

DO $$ BEGIN RAISE NOTICE '004 step 1/4: sessions'; END $$;
-- Presenting an already-rotated refresh token revokes the session; the reason says why.
ALTER TABLE user_sessions ADD COLUMN revoked_reason text;
CREATE INDEX user_sessions_publisher_idx ON user_sessions (publisher_id);

-- A refresh arrives without an access token: the session it names is the only one visible.
CREATE FUNCTION app_current_session() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.session_id', true), '')::uuid $$;
CREATE POLICY session_being_refreshed ON user_sessions
  USING (id = app_current_session()) WITH CHECK (id = app_current_session());
-- Publisher admins list and revoke the sessions opened in their publisher (the rule layer asks
-- for member:manage).
CREATE POLICY session_in_publisher ON user_sessions
  USING (publisher_id = app_current_publisher()) WITH CHECK (publisher_id = app_current_publisher());

-- Disabling a user ends every session at once, whichever code path disables them. The sessions
-- of that one user become visible to this statement only, through a setting cleared right after.
CREATE FUNCTION app_sessions_of_disabled_user() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.disabled_user_id', true), '')::uuid $$;
CREATE POLICY session_of_disabled_user ON user_sessions
  USING (user_id = app_sessions_of_disabled_user()) WITH CHECK (user_id = app_sessions_of_disabled_user());
CREATE FUNCTION revoke_sessions_of_disabled_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('app.disabled_user_id', NEW.id::text, true);
  UPDATE user_sessions SET revoked_at = now(), revoked_reason = 'user disabled'
   WHERE user_id = NEW.id AND revoked_at IS NULL;
  PERFORM set_config('app.disabled_user_id', '', true);
  RETURN NEW;
END $$;
CREATE TRIGGER users_disabled_revoke_sessions AFTER UPDATE OF status ON users
  FOR EACH ROW WHEN (NEW.status = 'DISABLED' AND OLD.status IS DISTINCT FROM 'DISABLED')
  EXECUTE FUNCTION revoke_sessions_of_disabled_user();

DO $$ BEGIN RAISE NOTICE '004 step 2/4: security events'; END $$;
CREATE TABLE security_events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind         text NOT NULL,
  user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
  publisher_id uuid REFERENCES publishers (id) ON DELETE SET NULL,
  session_id   uuid,
  client_ip    text,
  user_agent   text,
  data         jsonb NOT NULL DEFAULT '{}',
  occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_events_publisher_idx ON security_events (publisher_id, occurred_at);
CREATE INDEX security_events_user_idx ON security_events (user_id, occurred_at);
ALTER TABLE security_events ENABLE ROW LEVEL SECURITY;
-- Anyone may report an event (a failed login has no scope yet); reading is per publisher.
CREATE POLICY security_event_report ON security_events FOR INSERT WITH CHECK (true);
CREATE POLICY security_event_visible ON security_events FOR SELECT USING (publisher_id = app_current_publisher());
ALTER TABLE security_events FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON security_events TO platform_app;

DO $$ BEGIN RAISE NOTICE '004 step 3/4: password resets'; END $$;
CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
CREATE FUNCTION app_reset_token_hash() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.reset_token_hash', true), '') $$;
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
CREATE POLICY reset_by_token ON password_resets
  USING (token_hash = app_reset_token_hash()) WITH CHECK (token_hash = app_reset_token_hash());
CREATE POLICY reset_of_user ON password_resets
  USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON password_resets TO platform_app;

-- A password reset changes the password of the user the token names.
CREATE POLICY user_reset_password ON users FOR SELECT USING (
  id IN (SELECT r.user_id FROM password_resets r WHERE r.token_hash = app_reset_token_hash()));
CREATE POLICY user_reset_password_update ON users FOR UPDATE
  USING (id IN (SELECT r.user_id FROM password_resets r WHERE r.token_hash = app_reset_token_hash()))
  WITH CHECK (id IN (SELECT r.user_id FROM password_resets r WHERE r.token_hash = app_reset_token_hash()));
-- A refresh reads the status of the user whose session it renews.
CREATE POLICY user_of_session_being_refreshed ON users FOR SELECT USING (
  id IN (SELECT s.user_id FROM user_sessions s WHERE s.id = app_current_session()));

DO $$ BEGIN RAISE NOTICE '004 step 4/4: login throttling counters'; END $$;
-- The table rate-limiter-flexible keeps its counters in (its own layout). Keys are hashes of an
-- email or an address, never the values themselves; no publisher owns these rows.
CREATE TABLE rate_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO platform_app;
