CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT ''
);

CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT NOT NULL CHECK (length(title) > 0),
  published_at TEXT
);

CREATE INDEX posts_by_author ON posts (author_id);

CREATE VIEW recent_posts AS
  SELECT p.id, p.title, u.name AS author
  FROM posts p JOIN users u ON u.id = p.author_id
  WHERE p.published_at IS NOT NULL;
