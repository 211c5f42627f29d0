DROP FUNCTION app_publisher_api_calls(uuid);
DROP FUNCTION app_account_api_calls(uuid);
DROP FUNCTION app_record_api_usage(jsonb);
CREATE TABLE partner_usage (
  publisher_id uuid NOT NULL,
  client_id uuid NOT NULL,
  operation text NOT NULL,
  hour timestamptz NOT NULL,
  calls bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  total_ms double precision NOT NULL DEFAULT 0,
  max_ms double precision NOT NULL DEFAULT 0,
  last_call_at timestamptz NOT NULL,
  PRIMARY KEY (publisher_id, client_id, operation, hour),
  FOREIGN KEY (publisher_id, client_id) REFERENCES partner_clients (publisher_id, id) ON DELETE CASCADE
);
-- A day's partner calls go back as the first hour of that day; people's calls were never kept.
INSERT INTO partner_usage (publisher_id, client_id, operation, hour, calls, errors, total_ms, max_ms, last_call_at)
SELECT publisher_id, partner_client_id, operation, day::timestamp AT TIME ZONE 'UTC', calls, errors, total_ms, max_ms, last_call_at
  FROM api_usage WHERE partner_client_id IS NOT NULL;
ALTER TABLE partner_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY publisher_isolation ON partner_usage USING (publisher_id = app_current_publisher())
  WITH CHECK (publisher_id = app_current_publisher());
ALTER TABLE partner_usage FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON partner_usage TO platform_app;
DROP TABLE api_usage;
DROP AGGREGATE app_sum_buckets(bigint[]);
DROP FUNCTION app_add_buckets(bigint[], bigint[]);
DROP FUNCTION app_usage_latency_bounds();
