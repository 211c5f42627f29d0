-- The catalog as a publisher's administrators keep it (subgraphs/catalog): works with alternate
-- titles, language and version, writer lines with CWR role codes and control, songwriters with
-- IPI name and base numbers and their society, recordings with artist and release date. The
-- database checks what the services check, so a writer that skips them cannot break a rule: the
-- identifiers' check digits, writers' shares adding up to exactly 100.00, and deletes that would
-- leave a recording or a modification without its work. Legacy values are kept as they are:
-- the identifier checks hold for new and changed rows (NOT VALID), and migrating changes no data.

DO $$ BEGIN RAISE NOTICE '020 step 1/6: pg_trgm and btree_gin, for title search on indexes that lead with publisher_id'; END $$;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

DO $$ BEGIN RAISE NOTICE '020 step 2/6: identifier checks (ISWC, IPI name and base numbers, ISRC)'; END $$;
-- The ISWC and IPI base check digit: a start value plus each of nine digits weighted by its
-- position, subtracted from the next multiple of ten (CISAC; the ISWC starts at 1, IPI base at 2).
CREATE FUNCTION app_weighted_check_digit(p_digits text, p_start integer) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (10 - (p_start + (SELECT sum(i * substr(p_digits, i, 1)::int) FROM generate_series(1, 9) i)::int) % 10) % 10
$$;
CREATE FUNCTION app_iswc_is_valid(p text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN p ~ '^T-[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]$'
              THEN app_weighted_check_digit(translate(substr(p, 3, 11), '.', ''), 1) = right(p, 1)::int
              ELSE false END
$$;
CREATE FUNCTION app_ipi_base_is_valid(p text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN p ~ '^I-[0-9]{9}-[0-9]$'
              THEN app_weighted_check_digit(substr(p, 3, 9), 2) = right(p, 1)::int
              ELSE false END
$$;
-- IPI name number: nine digits weighted 10 down to 2, and two check digits, modulo 101.
CREATE FUNCTION app_ipi_name_is_valid(p text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN p ~ '^[0-9]{11}$'
              THEN (SELECT CASE WHEN s % 101 = 0 THEN 0 ELSE (101 - s % 101) % 100 END
                      FROM (SELECT sum(substr(p, i, 1)::int * (11 - i))::int AS s FROM generate_series(1, 9) i) x)
                   = right(p, 2)::int
              ELSE false END
$$;

DO $$ BEGIN RAISE NOTICE '020 step 3/6: works: alternate titles, language, version, search and sort indexes'; END $$;
CREATE TYPE work_version_type AS ENUM ('ORIGINAL', 'MODIFICATION');
ALTER TABLE works
  ADD COLUMN alternate_titles text[] NOT NULL DEFAULT '{}',
  ADD COLUMN language text,
  ADD COLUMN version_type work_version_type NOT NULL DEFAULT 'ORIGINAL',
  ADD COLUMN original_work_id uuid,
  ADD CONSTRAINT works_alternate_titles_check CHECK (cardinality(alternate_titles) <= 20),
  ADD CONSTRAINT works_language_check CHECK (language ~ '^[a-z]{2}$'),
  ADD CONSTRAINT works_original_check CHECK (
    (original_work_id IS NULL OR version_type = 'MODIFICATION') AND original_work_id IS DISTINCT FROM id),
  -- The original's deletion is refused below while it has modifications; only offboarding, which
  -- deletes every work of the publisher, lets the link go.
  ADD CONSTRAINT works_original_fkey FOREIGN KEY (publisher_id, original_work_id)
    REFERENCES works (publisher_id, id) ON DELETE SET NULL (original_work_id),
  ADD CONSTRAINT works_iswc_check CHECK (app_iswc_is_valid(iswc)) NOT VALID;
-- One ISWC is one work: a second registration under the same code is refused.
CREATE UNIQUE INDEX works_iswc_key ON works (publisher_id, iswc);
CREATE INDEX works_original_idx ON works (publisher_id, original_work_id) WHERE original_work_id IS NOT NULL;
CREATE INDEX works_created_idx ON works (publisher_id, created_at, id);
CREATE INDEX works_updated_idx ON works (publisher_id, updated_at, id);
-- Prefix (ILIKE 'q%') and word similarity (q <% title) both use it.
CREATE INDEX works_title_trgm_idx ON works USING gin (publisher_id, title gin_trgm_ops);

-- The owner's functions below see every work and writer line they check (the policy that lets
-- them see writer lines is migration 007's own_works_lookup), and the client restriction is the
-- application's, as it already is on work_writers (007): each owner function that reads for a
-- client applies it itself.
DO $$ BEGIN
  EXECUTE format('CREATE POLICY owner_rule_lookup ON works FOR SELECT TO %I USING (true)', current_user);
END $$;
ALTER POLICY own_works_only ON works TO platform_app;
ALTER POLICY own_works_only_update ON works TO platform_app;
ALTER POLICY own_works_only_delete ON works TO platform_app;

-- Title search. Under row-level security PostgreSQL evaluates no operator that is not leakproof
-- (ILIKE, pg_trgm's <%) before the policies, so the trigram index cannot serve the application's
-- own query: 100,000 works were a 0.5–1 s scan. These functions search as the owner, inside the
-- caller's publisher and, for a client, their own works only; the caller joins what they find
-- to works under its own policies. The planner, unsure of a trigram index's selectivity, would
-- otherwise scan the table here too.
CREATE FUNCTION app_work_title_search(p_search text, p_prefix_pattern text) RETURNS TABLE (work_id uuid, rank float8)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
  SELECT w.id, ((w.title ILIKE p_prefix_pattern)::int + word_similarity(p_search, w.title))::float8
    FROM works w
   WHERE w.publisher_id = app_current_publisher()
     AND (w.title ILIKE p_prefix_pattern OR p_search <% w.title)
     AND ((SELECT app_own_works_songwriter()) IS NULL
          OR EXISTS (SELECT 1 FROM work_writers ww WHERE ww.publisher_id = w.publisher_id AND ww.work_id = w.id
                        AND ww.songwriter_id = (SELECT app_own_works_songwriter())))
$$;
CREATE FUNCTION app_work_title_contains(p_pattern text) RETURNS TABLE (work_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET enable_seqscan = off AS $$
  SELECT w.id FROM works w
   WHERE w.publisher_id = app_current_publisher() AND w.title ILIKE p_pattern
     AND ((SELECT app_own_works_songwriter()) IS NULL
          OR EXISTS (SELECT 1 FROM work_writers ww WHERE ww.publisher_id = w.publisher_id AND ww.work_id = w.id
                        AND ww.songwriter_id = (SELECT app_own_works_songwriter())))
$$;
REVOKE ALL ON FUNCTION app_work_title_search(text, text), app_work_title_contains(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_work_title_search(text, text), app_work_title_contains(text) TO platform_app;

CREATE FUNCTION app_assert_original_kept() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  modifications integer;
BEGIN
  IF app_offboarding_deletes(OLD.publisher_id) THEN
    RETURN OLD;
  END IF;
  SELECT count(*) INTO modifications FROM works w
   WHERE w.publisher_id = OLD.publisher_id AND w.original_work_id = OLD.id;
  IF modifications > 0 THEN
    RAISE EXCEPTION 'This work is the original of % modification(s): delete them, or make them originals, first', modifications
      USING ERRCODE = 'PP001';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER works_original_kept BEFORE DELETE ON works FOR EACH ROW EXECUTE FUNCTION app_assert_original_kept();

DO $$ BEGIN RAISE NOTICE '020 step 4/6: writer lines: role codes, control, shares adding up to 100.00'; END $$;
ALTER TABLE work_writers
  ADD COLUMN role text NOT NULL DEFAULT 'CA',
  ADD COLUMN controlled boolean NOT NULL DEFAULT true,
  ADD CONSTRAINT work_writers_role_check CHECK (role IN ('C', 'A', 'CA', 'AR', 'AD', 'TR', 'SA', 'SR'));

-- Checked when the transaction commits, once all of a work's lines are written: a work has no
-- writers, or their shares add up to exactly 100.00.
CREATE FUNCTION app_assert_work_shares() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  pid uuid := coalesce(NEW.publisher_id, OLD.publisher_id);
  wid uuid := coalesce(NEW.work_id, OLD.work_id);
  total numeric;
BEGIN
  IF app_offboarding_deletes(pid) THEN
    RETURN NULL;
  END IF;
  SELECT sum(ww.share) INTO total FROM work_writers ww WHERE ww.publisher_id = pid AND ww.work_id = wid;
  IF total IS NOT NULL AND total <> 100 THEN
    RAISE EXCEPTION 'The writers'' shares of a work must add up to 100.00%%; work % would have %%%', wid, to_char(total, 'FM990.00')
      USING ERRCODE = 'PP001';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER work_writers_shares_total AFTER INSERT OR UPDATE OR DELETE ON work_writers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app_assert_work_shares();

DO $$
DECLARE off integer;
BEGIN
  ALTER TABLE work_writers NO FORCE ROW LEVEL SECURITY;
  SELECT count(*) INTO off FROM (SELECT 1 FROM work_writers GROUP BY publisher_id, work_id HAVING sum(share) <> 100) x;
  ALTER TABLE work_writers FORCE ROW LEVEL SECURITY;
  RAISE NOTICE '020   % works have shares that do not add up to 100.00; they stay as they are until their writers next change', off;
END $$;

DO $$ BEGIN RAISE NOTICE '020 step 5/6: songwriters: first and last name, IPI name and base numbers, society'; END $$;
ALTER TABLE songwriters RENAME COLUMN ipi TO ipi_name_number;
ALTER TABLE songwriters
  ADD COLUMN first_name text,
  ADD COLUMN last_name text,
  ADD COLUMN ipi_base_number text,
  ADD COLUMN society text;
-- The name splits at its last space: "first" before it, "last" after; joined again, it is the
-- name as it was, so no legacy value changes.
DO $$
DECLARE n bigint;
BEGIN
  ALTER TABLE songwriters NO FORCE ROW LEVEL SECURITY;
  UPDATE songwriters
     SET first_name = CASE WHEN position(' ' IN name) > 0 THEN substring(name FROM '^(.*) [^ ]*$') END,
         last_name = CASE WHEN position(' ' IN name) > 0 THEN substring(name FROM ' ([^ ]*)$') ELSE name END;
  GET DIAGNOSTICS n = ROW_COUNT;
  ALTER TABLE songwriters FORCE ROW LEVEL SECURITY;
  RAISE NOTICE '020   % songwriters'' names split into first and last', n;
END $$;
ALTER TABLE songwriters
  ALTER COLUMN last_name SET NOT NULL,
  ADD CONSTRAINT songwriters_ipi_name_number_check CHECK (app_ipi_name_is_valid(ipi_name_number)) NOT VALID,
  ADD CONSTRAINT songwriters_ipi_base_number_check CHECK (app_ipi_base_is_valid(ipi_base_number)),
  ADD CONSTRAINT songwriters_society_check CHECK (society ~ '^[0-9]{3}$');
-- `name` is what lists sort and search by: always the first and last name, as written.
CREATE FUNCTION app_songwriter_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name := CASE WHEN NEW.first_name IS NULL THEN NEW.last_name ELSE NEW.first_name || ' ' || NEW.last_name END;
  RETURN NEW;
END $$;
CREATE TRIGGER songwriters_name BEFORE INSERT OR UPDATE OF first_name, last_name, name ON songwriters
  FOR EACH ROW EXECUTE FUNCTION app_songwriter_name();
-- One IPI name number is one person.
CREATE UNIQUE INDEX songwriters_ipi_name_number_key ON songwriters (publisher_id, ipi_name_number);
CREATE INDEX songwriters_name_idx ON songwriters (publisher_id, name, id);
CREATE INDEX songwriters_name_trgm_idx ON songwriters USING gin (publisher_id, name gin_trgm_ops);

DO $$ BEGIN RAISE NOTICE '020 step 6/6: recordings: artist, release date; a work keeps its recordings'; END $$;
ALTER TABLE recordings
  ADD COLUMN artist text,
  ADD COLUMN release_date date,
  ADD CONSTRAINT recordings_isrc_check CHECK (isrc ~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$') NOT VALID;
CREATE UNIQUE INDEX recordings_isrc_key ON recordings (publisher_id, isrc);
CREATE INDEX recordings_title_idx ON recordings (publisher_id, title, id);
CREATE INDEX recordings_title_trgm_idx ON recordings USING gin (publisher_id, title gin_trgm_ops);
-- Deleting a work that has recordings is refused (its links used to go with it); deleting a
-- recording still takes its links along.
ALTER TABLE work_recordings
  DROP CONSTRAINT work_recordings_work_fkey,
  ADD CONSTRAINT work_recordings_work_fkey FOREIGN KEY (publisher_id, work_id) REFERENCES works (publisher_id, id);

-- Events not yet delivered take the shape of version 2 of their type (the relay sends every event
-- as its type's current version): a work's new fields at their defaults and its shares as exact
-- decimals; a songwriter's name split as above and its IPI under its new name.
DO $$
DECLARE n bigint;
BEGIN
  ALTER TABLE outbox NO FORCE ROW LEVEL SECURITY;
  UPDATE outbox
     SET payload = payload
           || jsonb_build_object('alternateTitles', '[]'::jsonb, 'language', NULL, 'versionType', 'ORIGINAL', 'originalWorkId', NULL)
           || CASE WHEN payload ? 'writers' THEN jsonb_build_object('writers', (
                SELECT coalesce(jsonb_agg(jsonb_build_object('songwriterId', w ->> 'songwriterId',
                                                             'share', to_char((w ->> 'share')::numeric, 'FM990.00'),
                                                             'role', 'CA', 'controlled', true)), '[]'::jsonb)
                  FROM jsonb_array_elements(payload -> 'writers') w))
              ELSE '{}'::jsonb END
   WHERE published_at IS NULL AND event_type IN ('work.created', 'work.updated');
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE outbox
     SET payload = jsonb_build_object(
           'name', payload ->> 'name',
           'firstName', CASE WHEN position(' ' IN payload ->> 'name') > 0 THEN substring(payload ->> 'name' FROM '^(.*) [^ ]*$') END,
           'lastName', CASE WHEN position(' ' IN payload ->> 'name') > 0 THEN substring(payload ->> 'name' FROM ' ([^ ]*)$') ELSE payload ->> 'name' END,
           'ipiNameNumber', payload -> 'ipi', 'ipiBaseNumber', NULL, 'society', NULL)
   WHERE published_at IS NULL AND event_type IN ('songwriter.created', 'songwriter.updated') AND payload ? 'name';
  ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
  RAISE NOTICE '020   % undelivered work events moved to version 2', n;
END $$;
