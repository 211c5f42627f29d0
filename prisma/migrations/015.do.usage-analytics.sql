-- Usage analytics: every call the gateway answers, per publisher, day, caller (a person or a
-- partner client) and operation, with errors and a latency histogram to read percentiles from.
-- It replaces partner_usage (partner calls per hour), whose rows it takes over.

DO $$ BEGIN RAISE NOTICE '015 step 1/3: api_usage'; END $$;
-- Upper bounds in milliseconds of the latency buckets; a last bucket holds everything slower.
-- Changing them means a new column: stored counts are only meaningful with these bounds.
CREATE FUNCTION app_usage_latency_bounds() RETURNS double precision[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY[5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]::double precision[]
$$;
-- Adds two histograms bucket by bucket (a NULL is an empty one).
CREATE FUNCTION app_add_buckets(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    ELSE ARRAY(SELECT x + y FROM unnest(a, b) AS t(x, y)) END
$$;
CREATE AGGREGATE app_sum_buckets(bigint[]) (SFUNC = app_add_buckets, STYPE = bigint[]);

CREATE TABLE api_usage (
  -- The natural key (api_usage_key below) has a nullable column; this one has none.
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  publisher_id      uuid NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
  day               date NOT NULL,
  -- NULL: people (the first-party apps, with an access token); else the partner client.
  partner_client_id uuid,
  operation         text NOT NULL CHECK (length(operation) <= 200),
  calls             bigint NOT NULL CHECK (calls >= 0),
  errors            bigint NOT NULL CHECK (errors >= 0 AND errors <= calls),
  total_ms          double precision NOT NULL,
  max_ms            double precision NOT NULL,
  latency_buckets   bigint[] NOT NULL CHECK (cardinality(latency_buckets) = 12),
  last_call_at      timestamptz NOT NULL,
  FOREIGN KEY (publisher_id, partner_client_id) REFERENCES partner_clients (publisher_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX api_usage_key ON api_usage (publisher_id, day, partner_client_id, operation) NULLS NOT DISTINCT;
CREATE INDEX api_usage_client_idx ON api_usage (publisher_id, partner_client_id, day);
ALTER TABLE api_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY publisher_isolation ON api_usage USING (publisher_id = app_current_publisher())
  WITH CHECK (publisher_id = app_current_publisher());
ALTER TABLE api_usage FORCE ROW LEVEL SECURITY;
-- Read in the publisher's scope; written only through app_record_api_usage below.
GRANT SELECT ON api_usage TO platform_app;

DO $$ BEGIN RAISE NOTICE '015 step 2/3: partner_usage taken over'; END $$;
ALTER TABLE partner_usage NO FORCE ROW LEVEL SECURITY;
ALTER TABLE api_usage NO FORCE ROW LEVEL SECURITY;
-- An hour's calls had no histogram: each goes into the bucket of that hour's average time.
INSERT INTO api_usage (publisher_id, day, partner_client_id, operation, calls, errors, total_ms, max_ms, latency_buckets, last_call_at)
SELECT publisher_id, (hour AT TIME ZONE 'UTC')::date, client_id, operation, sum(calls), sum(errors), sum(total_ms), max(max_ms),
       app_sum_buckets(ARRAY(
         SELECT CASE WHEN i = coalesce(
                  (SELECT min(j) FROM generate_subscripts(app_usage_latency_bounds(), 1) j
                    WHERE total_ms / greatest(calls, 1) <= (app_usage_latency_bounds())[j]), 12)
                THEN calls ELSE 0 END
           FROM generate_series(1, 12) i)),
       max(last_call_at)
  FROM partner_usage
 GROUP BY publisher_id, (hour AT TIME ZONE 'UTC')::date, client_id, operation;
ALTER TABLE api_usage FORCE ROW LEVEL SECURITY;
DROP TABLE partner_usage;

DO $$ BEGIN RAISE NOTICE '015 step 3/3: recording usage, and the monthly calls of an account'; END $$;
-- One batch of counts from a gateway (JSON objects with the columns' names), added to each row's.
CREATE FUNCTION app_record_api_usage(p_usage jsonb) RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO api_usage AS u (publisher_id, day, partner_client_id, operation, calls, errors, total_ms, max_ms, latency_buckets, last_call_at)
  SELECT r.publisher_id, r.day, r.partner_client_id, left(r.operation, 200), r.calls, r.errors, r.total_ms, r.max_ms,
         r.latency_buckets, r.last_call_at
    FROM jsonb_to_recordset(p_usage) AS r(publisher_id uuid, day date, partner_client_id uuid, operation text, calls bigint,
                                          errors bigint, total_ms double precision, max_ms double precision,
                                          latency_buckets bigint[], last_call_at timestamptz)
   -- A publisher or partner client deleted since the call leaves nothing to count against.
   WHERE EXISTS (SELECT 1 FROM publishers p WHERE p.id = r.publisher_id)
     AND (r.partner_client_id IS NULL
          OR EXISTS (SELECT 1 FROM partner_clients c WHERE c.publisher_id = r.publisher_id AND c.id = r.partner_client_id))
  ON CONFLICT (publisher_id, day, partner_client_id, operation) DO UPDATE SET
    calls = u.calls + EXCLUDED.calls,
    errors = u.errors + EXCLUDED.errors,
    total_ms = u.total_ms + EXCLUDED.total_ms,
    max_ms = greatest(u.max_ms, EXCLUDED.max_ms),
    latency_buckets = app_add_buckets(u.latency_buckets, EXCLUDED.latency_buckets),
    last_call_at = greatest(u.last_call_at, EXCLUDED.last_call_at)
$$;
REVOKE ALL ON FUNCTION app_record_api_usage(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_record_api_usage(jsonb) TO platform_app;

-- The partner API calls this calendar month (UTC) of every publisher of an account, and the
-- plan's monthly limit (NULL: none): what the gateway holds partner calls to.
CREATE FUNCTION app_account_api_calls(p_account uuid) RETURNS TABLE (calls bigint, monthly_limit bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT sum(u.calls) FROM api_usage u JOIN publishers p ON p.id = u.publisher_id
                    WHERE p.account_id = a.id AND u.partner_client_id IS NOT NULL
                      AND u.day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date), 0)::bigint,
         pl.api_calls_per_month
    FROM accounts a JOIN plans pl ON pl.key = a.plan
   WHERE a.id = p_account
$$;
REVOKE ALL ON FUNCTION app_account_api_calls(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_account_api_calls(uuid) TO platform_app;
-- The same for the account of a publisher, as the gateway knows a caller by publisher.
CREATE FUNCTION app_publisher_api_calls(p_publisher uuid) RETURNS TABLE (account_id uuid, calls bigint, monthly_limit bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.account_id, c.calls, c.monthly_limit FROM publishers p, app_account_api_calls(p.account_id) c WHERE p.id = p_publisher
$$;
REVOKE ALL ON FUNCTION app_publisher_api_calls(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_publisher_api_calls(uuid) TO platform_app;

DO $$
BEGIN
  -- Every publisher's counts in one statement (publishers, accounts and partner clients are
  -- readable to the owner since 006-009).
  EXECUTE format('CREATE POLICY usage_recording ON api_usage TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
