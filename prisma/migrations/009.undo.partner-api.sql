DROP FUNCTION app_persisted_queries_in_force();
DROP FUNCTION app_partner_key(uuid);
DROP TABLE apq_documents, partner_usage, persisted_queries, persisted_query_lists, partner_clients;
DROP TYPE persisted_query_mode;
