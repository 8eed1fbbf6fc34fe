/**
 * Types of the files build/entry.ts embeds with `with { type: "file" }`: Bun gives the import the
 * file's path (inside a compiled binary, a path in its embedded file system).
 */
declare module "*.wasm" {
  const path: string
  export default path
}
declare module "*.data" {
  const path: string
  export default path
}
