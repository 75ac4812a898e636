-- Invoices and bills as their events describe them, for aged receivables and payables (contract §6).
-- Each event lands in its own table, so they may arrive in any order: a payment or a void that
-- comes before its document waits there and counts as soon as the document arrives.

-- Names from contact.created.
CREATE TABLE contacts (
    organisation_id text NOT NULL,
    contact_id text NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (organisation_id, contact_id)
);

-- Sent invoices (invoice.sent) and approved bills (bill.approved); drafts never arrive here.
CREATE TABLE trade_documents (
    organisation_id text NOT NULL,
    document_id text NOT NULL,
    kind text NOT NULL,
    contact_id text NOT NULL,
    currency text NOT NULL,
    total numeric NOT NULL,
    issue_date date NOT NULL,
    due_date date NOT NULL,
    PRIMARY KEY (organisation_id, document_id)
);

CREATE INDEX trade_documents_aging ON trade_documents (organisation_id, kind, currency, issue_date);

-- Every payment (payment.received / payment.made), partial or final, on its own date.
CREATE TABLE trade_payments (
    organisation_id text NOT NULL,
    payment_id text NOT NULL,
    document_id text NOT NULL,
    amount numeric NOT NULL,
    date date NOT NULL,
    PRIMARY KEY (organisation_id, payment_id)
);

CREATE INDEX trade_payments_by_document ON trade_payments (organisation_id, document_id, date);

-- invoice.voided: the document owes nothing from this date on.
CREATE TABLE trade_voids (
    organisation_id text NOT NULL,
    document_id text NOT NULL,
    voided_on date NOT NULL,
    PRIMARY KEY (organisation_id, document_id)
);
