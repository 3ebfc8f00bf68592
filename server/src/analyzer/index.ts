// The analyzer of the language server: C files parsed with tree-sitter into functions, structs and
// calls, the call graph, and the engine IR of the orchestration functions. No LSP here.
//
//   analyzer.ts     the Analyzer: files indexed and kept up to date edit by edit
//   types.ts        the public types (ranges, functions, call sites, structs, index entries)
//   parse.ts        tree-sitter, the masking of kernel macros, line tables
//   skeleton.ts     a cold index's parse with function interiors left out
//   cursor.ts       reading a tree with a cursor (type names by id, moves, ranges)
//   definitions.ts  the top-level function definitions of a tree
//   calls.ts        the calls in a body, walked in the tree
//   calltext.ts     the calls in a body, read from the text where the parse settles them
//   structs.ts      struct definitions and their fields
//   callgraph.ts    callers, callees, paths from the entry points
//   extract.ts      C bodies to the engine's IR
//   words.ts        the words the grammar and the kernel's macros give meaning to

export {
  Analyzer,
  extractOrchestration,
  extractOrchestrationReport,
  notModelledByFunction,
  SLAB_FILES,
} from './analyzer';
export type { AnalyzerOptions, EditStats } from './analyzer';
export { ENTRY_POINTS } from './callgraph';
export { extractProgram, knownFunctions } from './extract';
export type { Extraction, Ignored, NotModelled } from './extract';
export { isLoopMacro } from './words';
export type {
  CallSite,
  FoundFunction,
  FunctionEntry,
  FunctionInfo,
  Position,
  Range,
  Span,
  StructField,
  StructInfo,
} from './types';
