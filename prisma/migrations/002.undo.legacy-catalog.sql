DROP TABLE work_recordings, work_writers, recordings, works, songwriters;
DROP FUNCTION legacy_current_tenant();
