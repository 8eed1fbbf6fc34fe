/**
 * mod: aim as a library. Everything a user needs to compose their own workflow from aim's steps:
 * the steps themselves, the ready-made workflows, the engine and format contracts with their
 * registries, configuration loading, and the model types.
 */
export * from "./model.ts"
export { diffSchemas, invertRenames, columnAspects, sameColumn } from "./model/diff.ts"
export {
  describeChange,
  summarizeChanges,
  renderChanges,
  changeTable,
  constraintLabel,
  dataConditions,
  type DataCondition,
  type DiffTextContext,
} from "./model/changes.ts"
export { SchemaRefs, constraintsOf } from "./model/refs.ts"
export {
  findHazards,
  typeHazards,
  standardHazardRules,
  type DataHazard,
  type HazardRules,
  type HazardParent,
  type ValueHazard,
} from "./model/hazards.ts"
export { nameKey, foldCase, type NameKey } from "./model/names.ts"
export {
  classify,
  narrowing,
  isWidening,
  standardTypeRules,
  type TypeClass,
  type TypeRules,
} from "./model/types.ts"
export { type Config, ConfigError, loadConfig, applyEnvironment } from "./config.ts"
export {
  readFolder,
  readHistory,
  readSchemaSource,
  type SchemaSource,
  ProjectFileError,
} from "./project/read.ts"
export {
  Engine,
  type EngineShape,
  type Database,
  type DatabaseImage,
  type SeedReport,
  type SeedConditions,
  type BrokenObject,
  type ServerVersions,
  StatementFailed,
  SqlSyntaxError,
  EngineFailed,
  PlanFailed,
  type Capabilities,
  capabilities,
  type EngineOptions,
  type PlannedSteps,
  type ApplyOptions,
  planWith,
  splitWith,
} from "./engines/engine.ts"
export { ObjectsBroken } from "./engines/exercise.ts"
export { orderSteps, planBothWays, statementsOf, type PlanStep, type Planner } from "./engines/order.ts"
export { engines, findEngine, knownEngines } from "./engines/registry.ts"
export { layer as sqliteLayer } from "./engines/sqlite/engine.ts"
export {
  type FormatShape,
  type FormatContext,
  type FolderFile,
  type NewMigration,
  FormatError,
  safeName,
} from "./formats/format.ts"
export { formats } from "./formats/registry.ts"
export {
  snapshot,
  snapshotHistory,
  snapshotSchema,
  takeSnapshots,
  rememberHistorySnapshot,
  rememberWrittenMigration,
  type Snapshots,
  type SnapshotsWithImage,
} from "./steps/snapshot.ts"
export { diff } from "./steps/diff.ts"
export {
  plan,
  planDirection,
  renderScript,
  type Candidate,
  type PlanOptions,
  type ProofGround,
} from "./steps/plan.ts"
export {
  verify,
  type VerifyReport,
  MigrationFailed,
  SchemaDrift,
  RowsChanged,
  ForeignKeysBroken,
} from "./steps/verify.ts"
export { probeHazards, isWarning, type ProbedHazard, type ProbeOutcome } from "./steps/probe.ts"
export { write, WriteFailed, type WriteRequest } from "./steps/write.ts"
export {
  generate,
  type GenerationUsage,
  GenerationFailed,
  OutputTruncated,
  transportRetry,
  defaultTransport,
  estimateTokens,
  type TransportPolicy,
  type Verdict,
  type GenerationRequest,
  type Generation,
} from "./steps/generate.ts"
export {
  Provider,
  ProviderFailed,
  type ProviderShape,
  type ToolRequest,
  type ToolAnswer,
  type ToolSpec,
} from "./llm/provider.ts"
export { providerLayer, keyVariableOf } from "./llm/registry.ts"
export { parseModelSpec, knownProviders, type ModelSpec } from "./llm/model-spec.ts"
export { MissingApiKey, CredentialsError, resolveKey, storeKey } from "./llm/credentials.ts"
export {
  findAmbiguities,
  renameCandidates,
  describeCandidate,
  type Ambiguity,
  type RenameCandidate,
} from "./model/ambiguity.ts"
export {
  declaredRenames,
  decideRenames,
  resolveRenames,
  renameComment,
  renameHint,
  RenameCommentError,
  type DeclaredRename,
  type DeclaredRenames,
  type RenameDecisions,
  type RenameQuestions,
} from "./steps/renames.ts"
export { findRenameComments, type RenameComment, type RenameTarget } from "./sql/rename-comments.ts"
export type { Identifiers } from "./sql/identifiers.ts"
export {
  systemPrompt,
  userPrompt,
  submitMigrationTool,
  type PromptEngine,
  type PromptRequest,
} from "./llm/prompt.ts"
export { checkHistory, HistoryBroken, type HistoryReport } from "./steps/check-history.ts"
export {
  validate,
  enforceRules,
  RuleViolated,
  customRuleConcurrency,
  ruleRequestRetry,
  type MigrationUnderRules,
  type ValidationReport,
} from "./steps/validate.ts"
export { builtinRules, builtinIds } from "./rules/registry.ts"
export { resolveRules, listRules, type RuleSet, type RuleListing } from "./rules/resolve.ts"
export { parseStatements } from "./rules/_parse.ts"
export type { BuiltinRule, RuleInput, UpStatement, DmlFact } from "./rules/rule.ts"
export {
  diffProject,
  generateMigration,
  validateProject,
  describeChanges,
  formatOf,
  Progress,
  Questions,
  type OpenRename,
  type DiffResult,
  type GenerateOptions,
  type GenerateResult,
  type GenerationReport,
} from "./workflow.ts"
