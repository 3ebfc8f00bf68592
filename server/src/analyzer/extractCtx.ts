// What the extraction's walk over one C body carries, and the notes it gives back.

import type { ProgramSet, Stmt, Program } from '../../../engine/src';
import type { SyntaxNode } from './parse';

export interface NotModelled {
  call: string;
  line: number;
  reason: string;
  /** 0-based, where known */ column?: number;
}
export interface Ignored {
  call: string;
  line: number;
}

export interface Extraction {
  /** the IR, anchored ({fn, index, line}) */
  program: Program;
  notModelled: NotModelled[];
  ignored: Ignored[];
  /** source line (0-based) of each statement, by anchor index (preorder) */
  lines: number[];
  /** programs made for the loops of the body (ExtractOptions.loops), called from it */
  helpers: ProgramSet;
  /** why the function could not be extracted at all (nested too deep): no verdict may be drawn from it */
  unsupported?: string;
}

/**
 * How a scenario file's thread bodies differ from kernel functions: they pass objects (o0) and
 * numbers as arguments, call the kernel API by the names a caller uses (kfree_rcu), and may loop.
 */
export interface ExtractOptions {
  /** arguments kept besides the cache: the scenario's objects */
  keepArg?: (text: string) => boolean;
  /** an API name → the model that stands for it, with its arguments ($1: the call's first) */
  aliases?: Record<string, { fn: string; args: string[] }>;
  /**
   * `while (c)`, `do … while (c)` and `for (;;)` lowered to a program that calls itself (a helper
   * named `<fn>:loop@<line>`); an unbounded one runs until the explorer's limits stop it
   */
  loops?: boolean;
}

export interface Ctx {
  fn: string;
  opts: ExtractOptions;
  helpers: ProgramSet;
  /** the function's parameters */
  params: Set<string>;
  known: Set<string>;
  cacheVars: Set<string>;
  locals: Set<string>;
  /** work pointer variable -> per-cpu work name (sfw = &per_cpu(slub_flush, cpu)) */
  workOf: Map<string, string>;
  /** work pointer variable -> the CPU variable of its per_cpu() (`cpu`) */
  workCpu: Map<string, string>;
  /** work pointer variable -> function given to INIT_WORK */
  workFn: Map<string, string>;
  loopVars: string[];
  /** the node pointers of for_each_kmem_cache_node loops (`n`) */
  nodeVars: Set<string>;
  /** the file's real text (loop macro names are masked in the tree) */
  text: string;
  notModelled: NotModelled[];
  ignored: Ignored[];
  /** blocks open around the statement being read */
  depth: number;
  unsupported?: string;
}

export const line = (n: SyntaxNode): number => n.startPosition.row;
export const at = <T extends Stmt>(s: T, n: SyntaxNode, fn: string): T => ({
  ...s,
  anchor: { fn, index: 0, line: line(n) },
});
