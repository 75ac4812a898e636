-- Every journal entry gets a per-organisation, gapless sequence (1, 2, 3, …), assigned in the
-- posting transaction from the same locked counter as invoice numbers, so read models built
-- from journal_entry.posted know exactly which entries they have applied and which they lack.
ALTER TABLE journal_entries ADD COLUMN sequence bigint;

UPDATE journal_entries e SET sequence = numbered.sequence
FROM (
    SELECT id, row_number() OVER (PARTITION BY organisation_id ORDER BY created_at, id) AS sequence
    FROM journal_entries
) numbered
WHERE numbered.id = e.id;

INSERT INTO number_sequences (organisation_id, series, last_value)
SELECT organisation_id, 'journal_entry', max(sequence) FROM journal_entries GROUP BY organisation_id;

ALTER TABLE journal_entries ALTER COLUMN sequence SET NOT NULL;
CREATE UNIQUE INDEX journal_entries_sequence ON journal_entries (organisation_id, sequence);
