-- before: CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name text, age integer, score numeric(10,2), created_at timestamptz DEFAULT now());
-- before: CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh'); CREATE TABLE people (id bigint PRIMARY KEY, mood mood);
ALTER TYPE mood ADD VALUE 'angry';
