/**
 * mod: aim as a library. Everything a user needs to compose their own workflow from aim's steps:
 * the steps themselves, the ready-made workflows, the engine and format contracts with their
 * registries, configuration loading, and the model types.
 */
export * from "./model.ts"
export { compareSchemas, describeChange, renderChanges } from "./compare.ts"
export { type Config, ConfigError, loadConfig, applyEnvironment } from "./config.ts"
export { readFolder, readHistory, readSchemaSource, type SchemaSource, ProjectFileError } from "./project.ts"
export {
  Engine,
  type EngineShape,
  type Database,
  type SeedReport,
  StatementFailed,
  SqlSyntaxError,
  EngineFailed,
  PlanFailed,
} from "./engines/engine.ts"
export { engines, findEngine, knownEngines } from "./engines/registry.ts"
export { layer as sqliteLayer } from "./engines/sqlite/engine.ts"
export {
  type FormatShape,
  type FolderFile,
  type NewMigration,
  FormatError,
  safeName,
} from "./formats/format.ts"
export { formats } from "./formats/registry.ts"
export { snapshot, snapshotHistory, snapshotSchema, type Snapshots } from "./steps/snapshot.ts"
export { diff } from "./steps/diff.ts"
export { plan, renderScript, type Candidate } from "./steps/plan.ts"
export {
  verify,
  type VerifyReport,
  MigrationFailed,
  SchemaDrift,
  RowsChanged,
  ForeignKeysBroken,
} from "./steps/verify.ts"
export { write, WriteFailed, type WriteRequest } from "./steps/write.ts"
export { checkHistory, HistoryBroken, type HistoryReport } from "./steps/check-history.ts"
export {
  diffProject,
  generateMigration,
  validateProject,
  describeChanges,
  formatOf,
  Progress,
  type DiffResult,
  type GenerateOptions,
  type GenerateResult,
} from "./workflow.ts"
