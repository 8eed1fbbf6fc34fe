-- before: CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200) NOT NULL, name text, age integer, score numeric(10,2), created_at timestamptz DEFAULT now());
UPDATE users SET age = (SELECT max(age) FROM users u WHERE u.id = users.id);
