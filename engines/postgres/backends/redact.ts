/**
 * redact: keep a server URL's password out of every message aim prints. Driver errors may quote
 * the connection string or its parts, so text is scrubbed of the password itself (raw and
 * percent-decoded), not only of the URL's shape.
 */

/** The URL with its password replaced by "***"; text that is not a URL comes back scrubbed of `user:pass@`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = "***"
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@")
  }
}

/** A function that removes `url`'s password (and the URL itself, redacted) from any text. */
export function redactorFor(url: string): (text: string) => string {
  let password = ""
  try {
    password = new URL(url).password
  } catch {
    password = /\/\/[^:/@]*:([^@/]*)@/.exec(url)?.[1] ?? ""
  }
  const secrets = new Set<string>()
  if (password) {
    secrets.add(password)
    try {
      secrets.add(decodeURIComponent(password))
    } catch {
      // A password with a stray % is used verbatim by the driver; the raw form is already covered.
    }
  }
  const shown = redactUrl(url)
  return (text) => {
    let out = text.split(url).join(shown)
    for (const secret of secrets) out = out.split(secret).join("***")
    return out
  }
}
