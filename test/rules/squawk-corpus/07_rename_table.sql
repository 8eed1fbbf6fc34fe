-- before: CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name text, age integer, score numeric(10,2), created_at timestamptz DEFAULT now());
-- before: CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), title varchar(100), body text);
ALTER TABLE posts RENAME TO articles;
