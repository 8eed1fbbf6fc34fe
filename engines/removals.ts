/**
 * removals: how many throwaway databases, servers and containers this process has removed, so
 * that a run stopped by Ctrl-C can say what it cleaned up (`interrupted; removed 2 throwaway
 * databases`). Each backend counts where its removal succeeds; the CLI reads the count when the
 * signal arrives and again once every scope has closed. A process-wide tally; holds nothing else.
 */

export type Removable = "database" | "server" | "container"

const counts: Record<Removable, number> = { database: 0, server: 0, container: 0 }

/** Note that one `kind` was removed (a database dropped or closed, a server stopped, a container removed). */
export function countRemoval(kind: Removable): void {
  counts[kind]++
}

export function removalsSoFar(): Readonly<Record<Removable, number>> {
  return { ...counts }
}

const nouns: Record<Removable, [string, string, string]> = {
  database: ["removed", "throwaway database", "throwaway databases"],
  server: ["stopped", "server", "servers"],
  container: ["removed", "container", "containers"],
}

/** What was removed between two counts, as words: "removed 2 throwaway databases and stopped 1 server". */
export function describeRemovals(
  before: Readonly<Record<Removable, number>>,
  after: Readonly<Record<Removable, number>>,
): string {
  const parts = (Object.keys(nouns) as Removable[])
    .map((kind) => [kind, after[kind] - before[kind]] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => {
      const [verb, one, many] = nouns[kind]
      return `${verb} ${n} ${n === 1 ? one : many}`
    })
  if (parts.length === 0) return "nothing to clean up"
  return parts.length === 1 ? (parts[0] as string) : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`
}
