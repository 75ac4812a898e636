-- The trade documents, payments and voids the applied journal entries name (source invoice, bill,
-- invoice_payment, bill_payment, invoice_void): their own events (invoice.sent, bill.approved,
-- payment.received, payment.made, invoice.voided) travel separately, so an aged report can tell
-- which of them have not arrived yet and say it is incomplete rather than show a stale figure.
CREATE TABLE trade_sources (
    organisation_id text NOT NULL,
    source_type text NOT NULL,
    source_id text NOT NULL,
    date date NOT NULL,
    PRIMARY KEY (organisation_id, source_type, source_id)
);
