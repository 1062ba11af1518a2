-- Scans of every source, their finished address blocks, the observations
-- they made and the devices identified from them. Times are RFC 3339 text;
-- targets, exclusions, parameters and devices are JSON text.
CREATE TABLE IF NOT EXISTS scans (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL,
    targets         TEXT NOT NULL,
    exclude         TEXT NOT NULL,
    params          TEXT NOT NULL,
    total_addresses INTEGER NOT NULL,
    chunk_size      INTEGER NOT NULL,
    chunks_total    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    chunk    INTEGER NOT NULL,
    done_at  TEXT NOT NULL,
    PRIMARY KEY (scan_id, chunk)
);
CREATE TABLE IF NOT EXISTS observations (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    chunk    INTEGER NOT NULL,
    done     INTEGER NOT NULL,
    addr     TEXT NOT NULL,
    port     INTEGER,
    source   TEXT NOT NULL,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL,
    seen_at  TEXT
);
CREATE INDEX IF NOT EXISTS observations_scan ON observations(scan_id, chunk);
CREATE TABLE IF NOT EXISTS devices (
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    device   TEXT NOT NULL,
    PRIMARY KEY (scan_id, idx)
);
