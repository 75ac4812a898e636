-- Balances rolled up per month beside the daily ones: a report over a long range (the balance
-- sheet and trial balance run from the first entry) reads whole months here and only its first
-- and last part-months from daily_balances, so it costs accounts × (months + a few days) rather
-- than accounts × days.
CREATE TABLE monthly_balances (
    organisation_id text NOT NULL,
    currency text NOT NULL,
    account_id text NOT NULL,
    month date NOT NULL,
    debit numeric NOT NULL,
    credit numeric NOT NULL,
    PRIMARY KEY (organisation_id, currency, account_id, month)
) WITH (fillfactor = 70);

-- Balances are updated in place by every batch that touches their day or month: room left in each
-- page lets those updates stay on the page (HOT) instead of adding index entries each time.
ALTER TABLE daily_balances SET (fillfactor = 70);

INSERT INTO monthly_balances (organisation_id, currency, account_id, month, debit, credit)
SELECT organisation_id, currency, account_id, date_trunc('month', day)::date, sum(debit), sum(credit)
FROM daily_balances
GROUP BY organisation_id, currency, account_id, date_trunc('month', day)::date;
