-- The reports read model, built from the ledger's events alone (contract §6).

-- Settings copied from organisation.created / organisation.updated (highest version wins), and how
-- far the organisation's journal has been applied: every entry 1..applied_sequence, none beyond.
-- A journal entry may arrive before organisation.created: the row then starts with the defaults.
CREATE TABLE organisations (
    organisation_id text PRIMARY KEY,
    base_currency text NOT NULL DEFAULT 'GBP',
    financial_year_end text NOT NULL DEFAULT '12-31',
    settings_version bigint NOT NULL DEFAULT 0,
    applied_sequence bigint NOT NULL DEFAULT 0
);

-- Accounts as the latest applied entry that named them describes them.
CREATE TABLE accounts (
    organisation_id text NOT NULL,
    account_id text NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    subtype text,
    described_at_sequence bigint NOT NULL,
    PRIMARY KEY (organisation_id, account_id)
);

-- Pre-aggregated: a report over any period costs accounts × days, never journal lines.
CREATE TABLE daily_balances (
    organisation_id text NOT NULL,
    currency text NOT NULL,
    account_id text NOT NULL,
    day date NOT NULL,
    debit numeric NOT NULL,
    credit numeric NOT NULL,
    PRIMARY KEY (organisation_id, currency, account_id, day)
);

-- Lines, for the general ledger (per account, in date then sequence order) and the VAT return
-- (VAT-tagged lines by date).
CREATE TABLE journal_lines (
    organisation_id text NOT NULL,
    sequence bigint NOT NULL,
    line_number int NOT NULL,
    journal_entry_id text NOT NULL,
    date date NOT NULL,
    currency text NOT NULL,
    account_id text NOT NULL,
    description text NOT NULL,
    debit numeric(19,4) NOT NULL,
    credit numeric(19,4) NOT NULL,
    vat_role text,
    vat_rate numeric(9,4),
    PRIMARY KEY (organisation_id, sequence, line_number)
);

CREATE INDEX journal_lines_by_account ON journal_lines (organisation_id, account_id, currency, date, sequence, line_number);
CREATE INDEX journal_lines_vat ON journal_lines (organisation_id, currency, date) WHERE vat_role IS NOT NULL;

-- Entries that arrived before their predecessor, kept until the gap fills.
CREATE TABLE pending_entries (
    organisation_id text NOT NULL,
    sequence bigint NOT NULL,
    entry jsonb NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, sequence)
);

CREATE INDEX pending_entries_by_age ON pending_entries (received_at);
