-- The schema the blog wants. The migrations build everything but the status column, its index
-- and the tags table.
CREATE TABLE authors (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  name VARCHAR(100) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE posts (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  author_id INT NOT NULL,
  title VARCHAR(200) NOT NULL,
  body TEXT,
  status ENUM('draft', 'published') NOT NULL DEFAULT 'draft',
  CONSTRAINT posts_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE,
  INDEX posts_by_status (status, author_id)
) ENGINE=InnoDB;

CREATE TABLE tags (
  post_id INT NOT NULL,
  tag VARCHAR(50) NOT NULL,
  PRIMARY KEY (post_id, tag),
  CONSTRAINT tags_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE=InnoDB;
