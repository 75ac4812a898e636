-- Bank statement imports (contract §5.2): the parsed rows of a statement, previewed, then confirmed
-- once into bank transactions. Unconfirmed previews expire after 24 h and are purged by
-- BankImportRetention; confirmed imports stay with their rows as the record of what was imported.
CREATE TABLE bank_imports (
    id                 text        PRIMARY KEY,
    organisation_id    text        NOT NULL,
    bank_account_id    text        NOT NULL REFERENCES bank_accounts (id),
    format             text        NOT NULL CHECK (format IN ('csv', 'ofx')),
    status             text        NOT NULL CHECK (status IN ('preview', 'confirmed')),
    total_rows         integer     NOT NULL,
    valid_rows         integer     NOT NULL,
    duplicate_rows     integer     NOT NULL,
    error_rows         integer     NOT NULL,
    created_by         text        NOT NULL,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    confirmed_at       timestamptz,
    created_count      integer,
    skipped_duplicates integer,
    CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);

CREATE INDEX bank_imports_organisation ON bank_imports (organisation_id, created_at DESC);
CREATE INDEX bank_imports_expiry ON bank_imports (expires_at) WHERE status = 'preview';

CREATE TABLE bank_import_rows (
    import_id     text          NOT NULL REFERENCES bank_imports (id) ON DELETE CASCADE,
    row           integer       NOT NULL,
    date          date,
    description   text,
    amount        numeric(19,4),
    reference     text,
    -- OFX FITID: the bank's own id for the row, matched against bank_transactions.external_id.
    external_id   text,
    duplicate     boolean       NOT NULL,
    error_field   text,
    error_message text,
    PRIMARY KEY (import_id, row),
    CHECK ((error_field IS NULL) = (error_message IS NULL)),
    CHECK (error_field IS NULL OR NOT duplicate)
);
