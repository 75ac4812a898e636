-- Contract §9: an organisation's settings. Every row starts with the defaults; the rules that
-- tie the columns together (VAT fields only when registered, a stagger only for quarterly
-- returns) live in OrganisationSettingsRules, the checks here are the last line of defence.
ALTER TABLE organisations
    ADD COLUMN base_currency             text         NOT NULL DEFAULT 'GBP' CHECK (base_currency ~ '^[A-Z]{3}$'),
    ADD COLUMN country                   text         NOT NULL DEFAULT 'GB' CHECK (country ~ '^[A-Z]{2}$'),
    ADD COLUMN financial_year_end        text         NOT NULL DEFAULT '12-31' CHECK (financial_year_end ~ '^[0-9]{2}-[0-9]{2}$'),
    ADD COLUMN vat_registered            boolean      NOT NULL DEFAULT false,
    ADD COLUMN vat_number                text,
    ADD COLUMN vat_scheme                text         CHECK (vat_scheme IN ('standard')),
    ADD COLUMN vat_period                text         CHECK (vat_period IN ('quarterly', 'monthly')),
    ADD COLUMN vat_stagger               smallint     CHECK (vat_stagger BETWEEN 1 AND 3),
    ADD COLUMN incorporation_date        date,
    ADD COLUMN company_number            text,
    ADD COLUMN auto_categorise_threshold numeric(5,4) NOT NULL DEFAULT 0.9 CHECK (auto_categorise_threshold BETWEEN 0 AND 1),
    ADD COLUMN updated_at                timestamptz,
    -- The version organisation.created (1) and each organisation.updated carry; copies keep the highest.
    ADD COLUMN settings_version          bigint       NOT NULL DEFAULT 1,
    ADD CONSTRAINT organisations_vat_fields_need_registration CHECK (
        vat_registered OR (vat_number IS NULL AND vat_scheme IS NULL AND vat_period IS NULL AND vat_stagger IS NULL)),
    ADD CONSTRAINT organisations_stagger_only_quarterly CHECK (vat_stagger IS NULL OR vat_period = 'quarterly');

UPDATE organisations SET updated_at = created_at;
ALTER TABLE organisations ALTER COLUMN updated_at SET NOT NULL;
