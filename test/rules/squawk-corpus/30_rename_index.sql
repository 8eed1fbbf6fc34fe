-- before: CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name text, age integer, score numeric(10,2), created_at timestamptz DEFAULT now());
-- before: CREATE INDEX users_email_idx ON users (email);
ALTER INDEX users_email_idx RENAME TO users_by_email;
