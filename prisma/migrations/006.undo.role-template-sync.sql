DROP POLICY template_sync ON role_permissions;
DROP POLICY template_sync ON roles;
DROP POLICY template_sync ON publishers;
