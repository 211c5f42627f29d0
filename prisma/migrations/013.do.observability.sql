-- What the metrics need from the database that no publisher's scope can see: the outbox's
-- backlog across every publisher, in two numbers and nothing else.
CREATE FUNCTION app_outbox_backlog() RETURNS TABLE (unpublished bigint, oldest_age_seconds double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::double precision
    FROM outbox WHERE published_at IS NULL
$$;
REVOKE ALL ON FUNCTION app_outbox_backlog() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_outbox_backlog() TO platform_app;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY backlog ON outbox FOR SELECT TO %I USING (true)', current_user);
END $$;
