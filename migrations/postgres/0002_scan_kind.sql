-- Where a scan's observations came from (scan, import, pcap).
ALTER TABLE scans ADD COLUMN kind TEXT NOT NULL DEFAULT 'scan';
