-- Role templates are reviewed code (packages/permissions); every publisher, however it came to
-- exist (a migrated legacy tenant included), must hold the templates of its type. The sync runs
-- as the role that runs migrations and owns these tables. Under FORCE row-level security even
-- the owner sees no row, so it gets policies of its own, for templates only: it could lift RLS
-- on its tables anyway, so this grants nothing it did not have.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY template_sync ON publishers FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY template_sync ON roles TO %I USING (is_template) WITH CHECK (is_template)', current_user);
  EXECUTE format('CREATE POLICY template_sync ON role_permissions TO %I'
                 ' USING (EXISTS (SELECT 1 FROM roles r WHERE r.publisher_id = role_permissions.publisher_id'
                 '                 AND r.id = role_permissions.role_id AND r.is_template))'
                 ' WITH CHECK (EXISTS (SELECT 1 FROM roles r WHERE r.publisher_id = role_permissions.publisher_id'
                 '                      AND r.id = role_permissions.role_id AND r.is_template))', current_user);
END $$;
