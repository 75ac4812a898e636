-- Uploaded documents (contract §5.3): the description here, the bytes in document_chunks.
CREATE TABLE documents (
    id              text        PRIMARY KEY,
    organisation_id text        NOT NULL,
    filename        text        NOT NULL,
    content_type    text        NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size            bigint      NOT NULL CHECK (size > 0),
    sha256          text        NOT NULL,
    linked_type     text        CHECK (linked_type IN ('invoice', 'bill', 'transaction', 'journal_entry')),
    linked_id       text,
    uploaded_by     text        NOT NULL,
    created_at      timestamptz NOT NULL,
    CHECK ((linked_type IS NULL) = (linked_id IS NULL))
);

CREATE INDEX documents_listing ON documents (organisation_id, created_at DESC, id);
CREATE INDEX documents_link ON documents (organisation_id, linked_type, linked_id) WHERE linked_id IS NOT NULL;

-- The bytes, in order, a bounded piece per row, so neither writing nor reading ever holds a
-- whole file. Written before their document's row in the same transaction (hence the deferred
-- check): a failed upload leaves neither.
CREATE TABLE document_chunks (
    document_id  text    NOT NULL REFERENCES documents (id) DEFERRABLE INITIALLY DEFERRED,
    chunk_number integer NOT NULL,
    bytes        bytea   NOT NULL,
    PRIMARY KEY (document_id, chunk_number)
);

-- Large chunks are already-compressed images and PDFs: storing them as they are saves the CPU.
ALTER TABLE document_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
