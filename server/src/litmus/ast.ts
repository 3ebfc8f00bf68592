// The syntax of a scenario file as parsed (positions kept for diagnostics), before its thread
// bodies are lowered to the engine's IR.

import type { Observation, Prop, Quantifier } from '../../../engine/src';

/** 1-based line and column (as peggy, herd7 and editors' messages give them), and 0-based offsets. */
export interface SrcLoc {
  line: number;
  column: number;
  offset: number;
  endLine: number;
  endColumn: number;
  endOffset: number;
}

export type InitItem =
  /** CONFIG_KASAN=y, NR_CPUS=2, flush_slab_irqsave=n, patch01=y */
  | { kind: 'setting'; name: string; value: string; loc: SrcLoc }
  /** s->sheaf_capacity=4 */
  | { kind: 'cache'; field: string; value: string; loc: SrcLoc }
  /** slab0 = new_slab(2); o0 = kmem_cache_alloc(s, GFP_KERNEL) */
  | { kind: 'assign'; target: string; fn: string; args: string[]; loc: SrcLoc }
  /** cpu0: kfree_rcu(o0, rcu) */
  | { kind: 'call'; cpu: number; fn: string; args: string[]; loc: SrcLoc }
  /** cpu0: c->slab = slab0 */
  | { kind: 'cpuslab'; cpu: number; slab: string; loc: SrcLoc };

export interface ThreadAst {
  /** P0, P1, … */
  name: string;
  params: string;
  /** the body as written, braces included */
  body: string;
  loc: SrcLoc;
  bodyLoc: SrcLoc;
}

export interface ClauseAst {
  quantifier: Quantifier;
  prop: Prop;
  loc: SrcLoc;
}

export interface LitmusAst {
  name: string;
  nameLoc: SrcLoc;
  /** the first (* … *) comment without its Result line, lines trimmed of a leading ` * ` */
  description: string;
  expected?: Observation;
  expectedLoc?: SrcLoc;
  init: InitItem[];
  initLoc: SrcLoc;
  threads: ThreadAst[];
  clause: ClauseAst | null;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** 1-based */
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export class LitmusError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostic: Diagnostic,
  ) {
    super(`${file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`);
  }
}

export const diag = (
  message: string,
  loc: Pick<SrcLoc, 'line' | 'column'> & Partial<SrcLoc>,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic => ({
  severity,
  message,
  line: loc.line,
  column: loc.column,
  endLine: loc.endLine,
  endColumn: loc.endColumn,
});
