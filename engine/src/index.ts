// slablens engine: the public API. Pure TypeScript, no vscode, no I/O.

export * from './ir';
export * from './cir';
export { HEAP_FIELDS, CONSTANTS } from './heap';
export { PRIM, primitiveNames } from './cprims';
export type { CPrimitive } from './cprims';
export type { Footprint, LeafModel, PredModel, Phase, Switches } from './model';
export { Registry } from './model';
export { Machine, ModelError } from './machine';
export type { StepInfo } from './machine';
export type { Scenario, SetupOp, ThreadSpec } from './scenario';
export { defaultRegistry } from './models';
export { LOCK_PRIMITIVES, HOTPLUG_PRIMITIVES, CPU_HOTPLUG_LOCK } from './models/locks';
export { builtinPrograms, ORCHESTRATION } from './programs';
export { listScenarios, makeScenario, scenarioIds, UnknownScenario, MIN_CPUS } from './scenarios';
export type { ScenarioOptions } from './scenarios';
export { explore, preemptions, shorten, STRATEGIES, rng } from './explore';
export type { ExploreOptions, ExploreResult, Progress, Strategy } from './explore';
export {
  buildTrace,
  decodeToken,
  encodeToken,
  machineFor,
  readTrace,
  replaySchedule,
  replayTrace,
  TraceError,
  TRACE_FORMAT,
  TRACE_VERSION,
} from './trace';
export type { Trace, TraceStep } from './trace';
export { checkImportedTrace, MAX_CPUS, MAX_SCHEDULE, TraceSchemaError } from './traceSchema';
export type { BuiltinScenario } from './traceSchema';
export { shellCommand, shellQuote } from './shell';
export { stateKey, flatView } from './state';
export { check, scenarioLine } from './check';
export type { CheckResult } from './check';
export { functionsReached, scenariosReaching } from './reach';
export {
  checkClause,
  checkProp,
  clauseOk,
  evalProp,
  observation,
  OBSERVATIONS,
  PREDICATES,
  showClause,
  showProp,
  suggest,
} from './litmus';
export type { Clause, ClauseResult, LitmusCheckResult, Loc, Observation, Prop, Quantifier } from './litmus';
