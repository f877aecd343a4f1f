-- The audit log: every grant, revoke, purge, scan and analysis run, as a hash chain. Each
-- record's hash covers its content and the previous record's hash, so an edited, removed or
-- reordered record breaks the chain (`camroll audit verify`).

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- consent.grant, consent.revoke, purge, scan, analysis
    details     TEXT NOT NULL,            -- JSON, canonical (sorted keys)
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
