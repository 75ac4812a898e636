-- The ledger's copy of each organisation's settings (contract §9), owned by auth and followed
-- from organisation.created / organisation.updated. Each event carries the whole settings and a
-- version; the copy keeps the highest version it has seen, so a late, older event changes nothing.
CREATE TABLE organisation_settings (
    organisation_id           text         PRIMARY KEY,
    version                   bigint       NOT NULL,
    base_currency             text         NOT NULL,
    country                   text         NOT NULL,
    financial_year_end        text         NOT NULL,
    vat_registered            boolean      NOT NULL,
    vat_number                text,
    vat_scheme                text,
    vat_period                text,
    vat_stagger               integer,
    incorporation_date        date,
    company_number            text,
    auto_categorise_threshold numeric(5,4) NOT NULL,
    updated_at                timestamptz  NOT NULL DEFAULT now()
);
