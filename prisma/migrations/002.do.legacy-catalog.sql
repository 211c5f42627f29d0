-- The legacy catalog: every row carries tenant_id, and clients chose the tenant with X-Tenant-ID,
-- which the API copied into app.current_tenant.
CREATE FUNCTION legacy_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.current_tenant', true), '')::uuid $$;

CREATE TABLE songwriters (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  name       text NOT NULL,
  ipi        text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX songwriters_tenant_idx ON songwriters (tenant_id);

CREATE TABLE works (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  title      text NOT NULL,
  iswc       text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX works_tenant_idx ON works (tenant_id);

CREATE TABLE recordings (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants (id),
  title            text NOT NULL,
  isrc             text,
  duration_seconds integer,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recordings_tenant_idx ON recordings (tenant_id);

CREATE TABLE work_writers (
  work_id       uuid NOT NULL REFERENCES works (id) ON DELETE CASCADE,
  songwriter_id uuid NOT NULL REFERENCES songwriters (id),
  tenant_id     uuid NOT NULL REFERENCES tenants (id),
  share         numeric(5, 2) NOT NULL CHECK (share > 0 AND share <= 100),
  PRIMARY KEY (work_id, songwriter_id)
);

CREATE TABLE work_recordings (
  work_id      uuid NOT NULL REFERENCES works (id) ON DELETE CASCADE,
  recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  tenant_id    uuid NOT NULL REFERENCES tenants (id),
  PRIMARY KEY (work_id, recording_id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['songwriters', 'works', 'recordings', 'work_writers', 'work_recordings'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = legacy_current_tenant())'
                   ' WITH CHECK (tenant_id = legacy_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO platform_app', t);
  END LOOP;
END $$;
