-- before: CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name text, age integer, score numeric(10,2), created_at timestamptz DEFAULT now());
ALTER TABLE users ALTER COLUMN age TYPE bigint;
