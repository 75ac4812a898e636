-- The ledger's internal feed gives every entry exactly as journal_entry.posted carried it: each
-- line's account code, name, type and subtype as they were when it was posted (an account can be
-- renamed or given another subtype later, and a rebuilt read model must match the live one), and
-- the event's own id. Entries posted before this migration keep their accounts' present values and
-- get a new event id; their events were published long ago.
ALTER TABLE journal_entries ADD COLUMN event_id uuid;
ALTER TABLE journal_lines
    ADD COLUMN account_code text,
    ADD COLUMN account_name text,
    ADD COLUMN account_type text,
    ADD COLUMN account_subtype text;

UPDATE journal_entries SET event_id = gen_random_uuid();
UPDATE journal_lines l SET account_code = a.code, account_name = a.name, account_type = a.type, account_subtype = a.subtype
FROM accounts a WHERE a.id = l.account_id;

ALTER TABLE journal_entries ALTER COLUMN event_id SET NOT NULL;
ALTER TABLE journal_lines
    ALTER COLUMN account_code SET NOT NULL,
    ALTER COLUMN account_name SET NOT NULL,
    ALTER COLUMN account_type SET NOT NULL;
