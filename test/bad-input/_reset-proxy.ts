/**
 * _reset-proxy: a TCP proxy on 127.0.0.1 in front of a database server that breaks the connections
 * passing through it on cue, so that a test can make aim's server "die" at a chosen moment without
 * touching the server itself (which other suites share). A connection is broken when what the
 * client sends contains `trigger` (a statement's text, a catalog table's name), or on its first
 * packet with `trigger: "*"`; `times` bounds how many are broken (Infinity: every one). `how` is a
 * TCP reset (the client reads ECONNRESET) or a plain close (the socket ends). The server side of a
 * broken connection is closed as well. Resources: one listening socket and the proxied
 * connections, all closed by `stop`.
 */
import net from "node:net"

export interface ResetProxy {
  /** The address to give aim instead of the server's: host:port of the proxy. */
  readonly port: number
  /** How many connections were broken so far. */
  readonly broken: () => number
  readonly stop: () => Promise<void>
}

export interface ResetOptions {
  readonly target: { readonly host: string; readonly port: number }
  readonly trigger: string
  readonly times?: number
  readonly how?: "reset" | "close"
}

export async function startResetProxy(options: ResetOptions): Promise<ResetProxy> {
  const times = options.times ?? 1
  let broken = 0
  const open = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(options.target.port, options.target.host)
    open.add(client)
    open.add(upstream)
    const forget = () => {
      open.delete(client)
      open.delete(upstream)
    }
    client.on("error", () => upstream.destroy())
    upstream.on("error", () => client.destroy())
    client.on("close", () => {
      upstream.destroy()
      forget()
    })
    upstream.on("close", () => client.destroy())
    upstream.on("data", (chunk) => client.write(chunk))
    client.on("data", (chunk) => {
      const hit =
        broken < times && (options.trigger === "*" || chunk.toString("latin1").includes(options.trigger))
      if (!hit) {
        upstream.write(chunk)
        return
      }
      broken++
      upstream.destroy()
      if ((options.how ?? "reset") === "reset") client.resetAndDestroy()
      else client.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    broken: () => broken,
    stop: async () => {
      for (const socket of open) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
