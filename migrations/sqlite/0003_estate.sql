-- The estate: organisations, their sites, tokens, the batches sensors push
-- and the plans made for each organisation. A sensor's scan belongs to a
-- site; local scans (`camaudit scan` into a file) have none. `org_id` is
-- carried on every row an organisation owns (scans, observations, devices,
-- batches), so a distributed engine can shard by it (docs/scale.md).
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    sector      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE sites (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organisations(id),
    slug            TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_report_at  TEXT,
    UNIQUE (org_id, slug)
);
-- Never the secret: its SHA-256 and its first characters.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    label       TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('admin', 'viewer', 'sensor')),
    org_id      INTEGER REFERENCES organisations(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT,
    CHECK ((scope = 'admin') = (org_id IS NULL))
);
-- The sites a sensor token may write to.
CREATE TABLE token_sites (
    token_id  INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    PRIMARY KEY (token_id, site_id)
);
ALTER TABLE scans ADD COLUMN org_id INTEGER REFERENCES organisations(id);
ALTER TABLE scans ADD COLUMN site_id INTEGER REFERENCES sites(id);
-- The sensor's name for the scan: its batches are filed under one scan.
ALTER TABLE scans ADD COLUMN scan_ref TEXT;
CREATE UNIQUE INDEX scans_site_ref ON scans(site_id, scan_ref);
-- A site's latest scan.
CREATE INDEX scans_site ON scans(site_id, id);
-- Batch ids are unique per organisation: a sensor picks its ids, and one
-- organisation's sensor must never find (or block) another's batch.
CREATE TABLE batches (
    org_id        INTEGER NOT NULL REFERENCES organisations(id),
    batch_id      TEXT NOT NULL,
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    scan_id       INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    stored_at     TEXT NOT NULL,
    observations  INTEGER NOT NULL,
    devices       INTEGER NOT NULL,
    PRIMARY KEY (org_id, batch_id)
);
CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations(id),
    created_at  TEXT NOT NULL,
    findings    TEXT NOT NULL,
    plan        TEXT NOT NULL
);
CREATE INDEX plans_org ON plans(org_id, created_at);
ALTER TABLE observations ADD COLUMN org_id INTEGER;
-- Device facts the reads filter on, copied out of the JSON.
ALTER TABLE devices ADD COLUMN org_id INTEGER;
ALTER TABLE devices ADD COLUMN manufacturer TEXT;
ALTER TABLE devices ADD COLUMN covered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN addr TEXT;
UPDATE devices SET
    manufacturer = json_extract(device, '$.manufacturer'),
    covered = COALESCE(json_extract(device, '$.covered'), 0) = 1,
    addr = json_extract(device, '$.addr')
WHERE json_valid(device);
