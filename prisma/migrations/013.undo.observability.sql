DROP POLICY backlog ON outbox;
DROP FUNCTION app_outbox_backlog();
