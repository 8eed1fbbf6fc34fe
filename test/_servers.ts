/**
 * The database servers the tests share, and one probe each for whether they answer, so a test file
 * says which server it needs in one line and skips (saying why) when it is not there.
 */
import mysql from "mysql2/promise"
import postgres from "postgres"

export const PG_TEST_URL = process.env.AIM_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
export const MARIADB_TEST_URL = process.env.AIM_MARIADB_URL ?? "mysql://root@127.0.0.1:3306/"

/** Whether a PostgreSQL server answers at `url` within a few seconds. */
export async function pgAnswers(url: string = PG_TEST_URL): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** The version of the MySQL or MariaDB server at `url`, or undefined when none answers. */
export async function mysqlVersion(url: string = MARIADB_TEST_URL): Promise<string | undefined> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 3000 })
    try {
      const [rows] = await conn.query("SELECT VERSION() AS v")
      return String((rows as Array<{ v: string }>)[0]?.v ?? "")
    } finally {
      await conn.end()
    }
  } catch {
    return undefined
  }
}
