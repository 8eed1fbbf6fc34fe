-- before: CREATE TABLE events (id bigint PRIMARY KEY, at timestamp);
ALTER TABLE events ALTER COLUMN at TYPE timestamptz;
