/**
 * _handwritten: one migrations folder per format, written the way each tool's users write them
 * (not by aim), with the schema.sql they build on SQLite. Each leans on the rules its runner has and
 * a careless reader would get wrong: numeric order over name order, dotted and repeatable versions,
 * statement blocks, per-file transaction opt-outs, plans with tags, dependencies and a rework.
 */

export interface HandwrittenProject {
  /** Paths relative to the migrations folder. */
  readonly files: Readonly<Record<string, string>>
  /** schema.sql that the folder builds. */
  readonly schema: string
  readonly migrations: number
  /** Migrations that have a down. */
  readonly downs: number
}

const USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n"
const POSTS =
  "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL, updated_at TEXT);\n"
const INDEX = "CREATE INDEX posts_user ON posts (user_id);\n"

/** SQLite refuses VACUUM inside a transaction: it passes only when the runner's opt-out is honoured. */
const VACUUM = "VACUUM;\n"

/** The change every folder is missing: added to schema.sql, `aim diff` must show it and nothing else. */
export const PENDING = "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);\n"

// golang-migrate: versions of mixed widths order numerically (1, 002, 10), not by name ("002" < "10" < "1_");
// a .sql file that is not a migration is ignored (it would fail if run).
const migrate: HandwrittenProject = {
  files: {
    "1_create_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    "1_create_users.down.sql": "DROP TABLE users;\n",
    "002_create_posts.up.sql":
      "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL);\n",
    "002_create_posts.down.sql": "DROP TABLE posts;\n",
    "10_posts_updated_at.up.sql": `ALTER TABLE posts ADD COLUMN updated_at TEXT;\nALTER TABLE users ADD COLUMN email TEXT;\n${INDEX}`,
    "10_posts_updated_at.down.sql":
      "DROP INDEX posts_user;\nALTER TABLE users DROP COLUMN email;\nALTER TABLE posts DROP COLUMN updated_at;\n",
    "seed.sql": "INSERT INTO no_such_table VALUES (1);\n",
  },
  schema: USERS + POSTS + INDEX,
  migrations: 3,
  downs: 3,
}

const VIEW =
  "CREATE VIEW post_titles AS SELECT p.title, u.name FROM posts p JOIN users u ON u.id = p.user_id;\n"

// Flyway: dotted versions compare part by part (1.2 < 1.10), subfolders are scanned, U files undo the
// V file of their version, the repeatable R__ runs after every versioned migration.
const flyway: HandwrittenProject = {
  files: {
    "V1__Create_users.sql": USERS,
    "U1__Create_users.sql": "DROP TABLE users;\n",
    "V1.2__Create_posts.sql":
      "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL);\n",
    "U1.2__Create_posts.sql": "DROP TABLE posts;\n",
    "release2/V1.10__Posts_updated_at.sql": "ALTER TABLE posts ADD COLUMN updated_at TEXT;\n",
    "release2/U1.10__Posts_updated_at.sql": "ALTER TABLE posts DROP COLUMN updated_at;\n",
    "release2/V2__Index_posts.sql": INDEX,
    "R__Post_titles.sql": `DROP VIEW IF EXISTS post_titles;\n${VIEW}`,
  },
  schema: USERS + POSTS + INDEX + VIEW,
  migrations: 5,
  downs: 3,
}

const TRIGGER = `CREATE TRIGGER posts_touch AFTER UPDATE OF title ON posts
BEGIN
  UPDATE posts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
`

// goose: a trigger (its body holds `;`) kept whole by StatementBegin/StatementEnd, a NO TRANSACTION file.
const goose: HandwrittenProject = {
  files: {
    "00001_create_users.sql": `-- +goose Up\n${USERS}\n-- +goose Down\nDROP TABLE users;\n`,
    "00002_create_posts.sql": `-- +goose Up
-- +goose StatementBegin
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  title TEXT NOT NULL,
  updated_at TEXT
);
-- +goose StatementEnd
-- +goose StatementBegin
${TRIGGER}-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP TRIGGER posts_touch;
-- +goose StatementEnd
DROP TABLE posts;
`,
    "00003_index_posts.sql": `-- +goose NO TRANSACTION\n-- +goose Up\n${INDEX}${VACUUM}\n-- +goose Down\nDROP INDEX posts_user;\n`,
  },
  schema: `${USERS}CREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users (id),\n  title TEXT NOT NULL,\n  updated_at TEXT\n);\n${TRIGGER}${INDEX}`,
  migrations: 3,
  downs: 3,
}

// sqlx: a reversible pair, a simple (up-only) file, and a pair marked `-- no-transaction`.
const sqlx: HandwrittenProject = {
  files: {
    "20240101090000_create_users.up.sql": USERS,
    "20240101090000_create_users.down.sql": "DROP TABLE users;\n",
    "20240102090000_create_posts.sql": POSTS,
    "20240103090000_index_posts.up.sql": `-- no-transaction\n${INDEX}${VACUUM}`,
    "20240103090000_index_posts.down.sql": "-- no-transaction\nDROP INDEX posts_user;\n",
  },
  schema: USERS + POSTS + INDEX,
  migrations: 3,
  downs: 2,
}

// dbmate: comments before the first directive, a block pair with transaction:false.
const dbmate: HandwrittenProject = {
  files: {
    "20240101090000_create_users.sql": `-- The shop's users.\n-- migrate:up\n${USERS}\n-- migrate:down\nDROP TABLE users;\n`,
    "20240102090000_create_posts.sql": `-- migrate:up\n${POSTS}\n-- migrate:down\nDROP TABLE posts;\n\n`,
    "20240103090000_index_posts.sql": `-- migrate:up transaction:false\n${INDEX}${VACUUM}\n-- migrate:down transaction:false\nDROP INDEX posts_user;\n`,
  },
  schema: USERS + POSTS + INDEX,
  migrations: 3,
  downs: 3,
}

const planner = "Ada Lovelace <ada@example.com>"
const sqitchScript = (verb: "Deploy" | "Revert", change: string, sql: string) =>
  `-- ${verb} shop:${change} ${verb === "Deploy" ? "to" : "from"} sqlite\n\nBEGIN;\n\n${sql}\nCOMMIT;\n`
const sqitchVerify = (change: string, sql: string) =>
  `-- Verify shop:${change} on sqlite\n\nBEGIN;\n\n${sql}\nROLLBACK;\n`
const TITLES_V1 = "CREATE VIEW post_titles AS SELECT p.id, p.title FROM posts p;\n"
const TITLES_V2 =
  "CREATE VIEW post_titles AS SELECT p.id, p.title, u.email FROM posts p JOIN users u ON u.id = p.user_id;\n"

// Sqitch: a plan as `sqitch init / add --requires / tag / rework` write it: pragmas, notes, dependencies,
// tags followed by a blank line, and a reworked change whose earlier scripts are `name@tag.sql`.
const sqitch: HandwrittenProject = {
  files: {
    "sqitch.conf": "[core]\n\tengine = sqlite\n\t# plan_file = sqitch.plan\n\t# top_dir = .\n",
    "sqitch.plan": `%syntax-version=1.0.0
%project=shop
%uri=https://example.com/shop/

users 2024-01-01T09:00:00Z ${planner} # Creates the users table.
posts [users] 2024-01-01T09:05:00Z ${planner} # Creates the posts table.
@v1.0 2024-01-01T09:10:00Z ${planner} # Tag v1.0.

post_titles [posts users] 2024-01-02T10:00:00Z ${planner} # A view of post titles.
@v1.1 2024-01-02T10:05:00Z ${planner} # Tag v1.1.

post_titles [post_titles@v1.1] 2024-01-03T11:00:00Z ${planner} # Adds the author's e-mail to post_titles.
`,
    "deploy/users.sql": sqitchScript("Deploy", "users", USERS),
    "revert/users.sql": sqitchScript("Revert", "users", "DROP TABLE users;\n"),
    "verify/users.sql": sqitchVerify("users", "SELECT id, name, email FROM users WHERE 0;\n"),
    "deploy/posts.sql": sqitchScript("Deploy", "posts", POSTS + INDEX),
    "revert/posts.sql": sqitchScript("Revert", "posts", "DROP TABLE posts;\n"),
    "verify/posts.sql": sqitchVerify("posts", "SELECT id, user_id, title, updated_at FROM posts WHERE 0;\n"),
    "deploy/post_titles@v1.1.sql": sqitchScript("Deploy", "post_titles", TITLES_V1),
    "revert/post_titles@v1.1.sql": sqitchScript("Revert", "post_titles", "DROP VIEW post_titles;\n"),
    "verify/post_titles@v1.1.sql": sqitchVerify(
      "post_titles",
      "SELECT id, title FROM post_titles WHERE 0;\n",
    ),
    "deploy/post_titles.sql": sqitchScript("Deploy", "post_titles", `DROP VIEW post_titles;\n${TITLES_V2}`),
    "revert/post_titles.sql": sqitchScript("Revert", "post_titles", `DROP VIEW post_titles;\n${TITLES_V1}`),
    "verify/post_titles.sql": sqitchVerify(
      "post_titles",
      "SELECT id, title, email FROM post_titles WHERE 0;\n",
    ),
  },
  schema: USERS + POSTS + INDEX + TITLES_V2,
  migrations: 4,
  downs: 4,
}

// refinery: V and U (unversioned) files ordered together by number, found in subfolders too; no downs.
const refinery: HandwrittenProject = {
  files: {
    "V1__create_users.sql": USERS,
    "V2__create_posts.sql":
      "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL);\n",
    "U3__index_posts.sql": INDEX,
    "later/V10__posts_updated_at.sql": "ALTER TABLE posts ADD COLUMN updated_at TEXT;\n",
  },
  schema: USERS + POSTS + INDEX,
  migrations: 4,
  downs: 0,
}

export const handwritten: Readonly<Record<string, HandwrittenProject>> = {
  migrate,
  goose,
  flyway,
  sqitch,
  sqlx,
  dbmate,
  refinery,
}
