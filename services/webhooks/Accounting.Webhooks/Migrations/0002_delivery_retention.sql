-- Finds the settled deliveries past their retention without scanning the pending ones.
CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (created_at) WHERE status <> 'pending';
