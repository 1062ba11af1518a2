-- Where a scan's observations came from (scan, import, pcap). Every scan
-- recorded before this was an active one.
ALTER TABLE scans ADD COLUMN kind TEXT NOT NULL DEFAULT 'scan';
