-- Bank accounts and their transactions (contract §5.1). Each bank account is tied to an asset
-- account of the chart; categorising a transaction posts between the two.
CREATE TABLE bank_accounts (
    id                   text        PRIMARY KEY,
    organisation_id      text        NOT NULL,
    name                 text        NOT NULL,
    currency             text        NOT NULL,
    sort_code            text,
    account_number_last4 text,
    ledger_account_id    text        NOT NULL REFERENCES accounts (id),
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE INDEX bank_accounts_listing ON bank_accounts (organisation_id, created_at DESC, id);

CREATE TABLE bank_transactions (
    id                    text          PRIMARY KEY,
    organisation_id       text          NOT NULL,
    bank_account_id       text          NOT NULL REFERENCES bank_accounts (id),
    date                  date          NOT NULL,
    description           text          NOT NULL,
    amount                numeric(19,4) NOT NULL,
    currency              text          NOT NULL,
    reference             text,
    -- The payee as the categoriser sees it (card numbers, dates and network noise removed): what history is keyed on.
    normalised_payee      text          NOT NULL,
    category_id           text          REFERENCES categories (id),
    categorised_by        text          CHECK (categorised_by IN ('user', 'auto')),
    categorised_at        timestamptz,
    confidence            numeric(4,3),
    suggested_category_id text          REFERENCES categories (id),
    journal_entry_id      text          REFERENCES journal_entries (id),
    -- Set on the bank line a payment of an invoice or bill creates: already accounted for by the payment's entry.
    payment_id            text          REFERENCES payments (id),
    notes                 text,
    -- The statement import the row came from, and the statement's own id for the row (OFX FITID).
    import_id             text,
    external_id           text,
    created_at            timestamptz   NOT NULL,
    updated_at            timestamptz   NOT NULL,
    CHECK ((category_id IS NULL) = (categorised_by IS NULL))
);

-- The default order (date descending, newest first) and every filter of GET /transactions.
CREATE INDEX bank_transactions_listing ON bank_transactions (organisation_id, date DESC, created_at DESC, id);
CREATE INDEX bank_transactions_account ON bank_transactions (organisation_id, bank_account_id, date DESC);
CREATE INDEX bank_transactions_category ON bank_transactions (organisation_id, category_id, date DESC) WHERE category_id IS NOT NULL;
CREATE INDEX bank_transactions_uncategorised ON bank_transactions (organisation_id, date DESC) WHERE category_id IS NULL AND payment_id IS NULL;
CREATE INDEX bank_transactions_amount ON bank_transactions (organisation_id, amount);
CREATE INDEX bank_transactions_import ON bank_transactions (organisation_id, import_id) WHERE import_id IS NOT NULL;
-- q is a case-insensitive substring: a trigram index answers lower(description) LIKE '%…%'.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX bank_transactions_description ON bank_transactions USING gin (lower(description) gin_trgm_ops);
-- Duplicate detection of statement imports (§5.2): same date, amount and description, or same FITID.
CREATE INDEX bank_transactions_duplicates ON bank_transactions (bank_account_id, date, amount, description);
CREATE INDEX bank_transactions_external ON bank_transactions (bank_account_id, external_id) WHERE external_id IS NOT NULL;
-- The categoriser's history: an organisation's categorised payees.
CREATE INDEX bank_transactions_history ON bank_transactions (organisation_id, normalised_payee) WHERE category_id IS NOT NULL;
CREATE INDEX bank_transactions_payment ON bank_transactions (payment_id) WHERE payment_id IS NOT NULL;

-- Payments name the bank account the client chose: a bank account (ba_…) or, as before, a ledger bank account (acc_…).
ALTER TABLE payments DROP CONSTRAINT payments_bank_account_id_fkey;
