-- Back to the thin catalog of 019. Songwriters keep their name as it was last written; the other
-- fields added by 020 are dropped with their values.
ALTER TABLE work_recordings
  DROP CONSTRAINT work_recordings_work_fkey,
  ADD CONSTRAINT work_recordings_work_fkey FOREIGN KEY (publisher_id, work_id)
    REFERENCES works (publisher_id, id) ON DELETE CASCADE;
DROP INDEX recordings_title_trgm_idx, recordings_title_idx, recordings_isrc_key;
ALTER TABLE recordings DROP CONSTRAINT recordings_isrc_check, DROP COLUMN release_date, DROP COLUMN artist;

DROP TRIGGER songwriters_name ON songwriters;
DROP FUNCTION app_songwriter_name();
DROP INDEX songwriters_name_trgm_idx, songwriters_name_idx, songwriters_ipi_name_number_key;
ALTER TABLE songwriters
  DROP CONSTRAINT songwriters_ipi_name_number_check,
  DROP COLUMN society, DROP COLUMN ipi_base_number, DROP COLUMN last_name, DROP COLUMN first_name;
ALTER TABLE songwriters RENAME COLUMN ipi_name_number TO ipi;

DROP TRIGGER work_writers_shares_total ON work_writers;
DROP FUNCTION app_assert_work_shares();
ALTER TABLE work_writers DROP COLUMN controlled, DROP COLUMN role;

DROP TRIGGER works_original_kept ON works;
DROP FUNCTION app_assert_original_kept();
DROP FUNCTION app_work_title_search(text, text), app_work_title_contains(text);
ALTER POLICY own_works_only ON works TO PUBLIC;
ALTER POLICY own_works_only_update ON works TO PUBLIC;
ALTER POLICY own_works_only_delete ON works TO PUBLIC;
DROP POLICY owner_rule_lookup ON works;
DROP INDEX works_title_trgm_idx, works_updated_idx, works_created_idx, works_original_idx, works_iswc_key;
ALTER TABLE works
  DROP CONSTRAINT works_iswc_check, DROP CONSTRAINT works_original_fkey,
  DROP COLUMN original_work_id, DROP COLUMN version_type, DROP COLUMN language, DROP COLUMN alternate_titles;
DROP TYPE work_version_type;

DROP FUNCTION app_ipi_name_is_valid(text), app_ipi_base_is_valid(text), app_iswc_is_valid(text),
              app_weighted_check_digit(text, integer);
DROP EXTENSION btree_gin;
DROP EXTENSION pg_trgm;
