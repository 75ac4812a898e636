-- Money is numeric(19,4): exact, and wide enough for any amount the API accepts (< 10^13).

-- One row per organisation known to the ledger, with the end of its latest closed period.
-- Postings and closes order themselves on a per-organisation advisory lock (shared / exclusive),
-- so no posting can slip into a period being closed.
CREATE TABLE ledger_organisations (
    organisation_id text        PRIMARY KEY,
    closed_through  date,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL,
    code            text        NOT NULL,
    name            text        NOT NULL,
    type            text        NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense')),
    subtype         text,
    -- The account the ledger itself posts to for this purpose (receivables, vat, sales...).
    system_role     text,
    archived        boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, code),
    UNIQUE (organisation_id, system_role)
);

CREATE TABLE categories (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL,
    -- Stable per organisation, so seeding twice finds what it seeded.
    slug            text        NOT NULL,
    parent_id       text        REFERENCES categories (id),
    name            text        NOT NULL,
    account_id      text        NOT NULL REFERENCES accounts (id),
    position        integer     NOT NULL,
    UNIQUE (organisation_id, slug)
);

CREATE TABLE journal_entries (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL,
    date            date        NOT NULL,
    currency        text        NOT NULL,
    description     text        NOT NULL,
    reference       text,
    source_type     text        NOT NULL,
    source_id       text,
    reverses_id     text        REFERENCES journal_entries (id),
    reversed_by_id  text        REFERENCES journal_entries (id),
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX journal_entries_listing ON journal_entries (organisation_id, created_at DESC, id);
CREATE UNIQUE INDEX journal_entries_one_reversal ON journal_entries (reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE journal_lines (
    journal_entry_id text          NOT NULL REFERENCES journal_entries (id),
    line_number      integer       NOT NULL,
    organisation_id  text          NOT NULL,
    account_id       text          NOT NULL REFERENCES accounts (id),
    debit            numeric(19,4) NOT NULL CHECK (debit >= 0),
    credit           numeric(19,4) NOT NULL CHECK (credit >= 0),
    description      text,
    vat_role         text,
    vat_rate         numeric(7,4),
    PRIMARY KEY (journal_entry_id, line_number),
    CHECK ((debit > 0) <> (credit > 0))
);

CREATE INDEX journal_lines_account ON journal_lines (organisation_id, account_id);

CREATE TABLE contacts (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL,
    type            text        NOT NULL CHECK (type IN ('customer', 'supplier')),
    name            text        NOT NULL,
    email           text,
    phone           text,
    address         text,
    vat_number      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Deleted contacts stay for the invoices and bills that name them.
    deleted_at      timestamptz
);

CREATE INDEX contacts_listing ON contacts (organisation_id, created_at DESC, id) WHERE deleted_at IS NULL;

-- Gapless numbering: the row is locked by the increment until the creating transaction ends,
-- and a rolled-back creation rolls the increment back with it.
CREATE TABLE number_sequences (
    organisation_id text    NOT NULL,
    series          text    NOT NULL,
    last_value      integer NOT NULL,
    PRIMARY KEY (organisation_id, series)
);

-- Invoices (sales) and bills (purchases) share one shape; kind tells them apart.
CREATE TABLE trade_documents (
    id              text          PRIMARY KEY,
    organisation_id text          NOT NULL,
    kind            text          NOT NULL CHECK (kind IN ('invoice', 'bill')),
    number          text,
    contact_id      text          NOT NULL REFERENCES contacts (id),
    issue_date      date          NOT NULL,
    due_date        date          NOT NULL,
    currency        text          NOT NULL,
    reference       text,
    status          text          NOT NULL,
    subtotal        numeric(19,4) NOT NULL,
    vat_total       numeric(19,4) NOT NULL,
    total           numeric(19,4) NOT NULL,
    amount_paid     numeric(19,4) NOT NULL DEFAULT 0,
    journal_entry_id text         REFERENCES journal_entries (id),
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    CHECK (amount_paid >= 0 AND amount_paid <= total)
);

CREATE UNIQUE INDEX trade_documents_invoice_number ON trade_documents (organisation_id, number) WHERE kind = 'invoice';
CREATE INDEX trade_documents_listing ON trade_documents (organisation_id, kind, created_at DESC, id);

CREATE TABLE trade_document_lines (
    trade_document_id text          NOT NULL REFERENCES trade_documents (id) ON DELETE CASCADE,
    line_number       integer       NOT NULL,
    organisation_id   text          NOT NULL,
    description       text          NOT NULL,
    quantity          numeric(19,4) NOT NULL,
    unit_price        numeric(19,4) NOT NULL,
    vat_rate          numeric(7,4)  NOT NULL,
    account_id        text          NOT NULL REFERENCES accounts (id),
    line_total        numeric(19,4) NOT NULL,
    vat_amount        numeric(19,4) NOT NULL,
    PRIMARY KEY (trade_document_id, line_number)
);

CREATE TABLE payments (
    id                text          PRIMARY KEY,
    organisation_id   text          NOT NULL,
    trade_document_id text          NOT NULL REFERENCES trade_documents (id),
    amount            numeric(19,4) NOT NULL CHECK (amount > 0),
    date              date          NOT NULL,
    bank_account_id   text          NOT NULL REFERENCES accounts (id),
    journal_entry_id  text          NOT NULL REFERENCES journal_entries (id),
    created_at        timestamptz   NOT NULL DEFAULT now()
);

CREATE INDEX payments_document ON payments (trade_document_id);

CREATE TABLE period_closes (
    organisation_id text        NOT NULL,
    period_end      date        NOT NULL,
    closed_at       timestamptz NOT NULL,
    closed_by       text        NOT NULL,
    PRIMARY KEY (organisation_id, period_end)
);
