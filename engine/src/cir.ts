// The interpreted-C level of the IR: a kernel C function lowered by the language server from its
// tree-sitter parse into flat code (instructions with jumps) over expression trees without calls.
// The engine interprets it over the heap view of the allocator state (heap.ts). JSON-serialisable:
// a scenario carries its functions, so traces replay on their own.
//
// Lowering rules the interpreter relies on: every call is its own instruction (calls inside
// expressions are hoisted into temporaries `$n`, in evaluation order; `&&`, `||` and `?:` whose
// right side calls become jumps), `x++`/`--x` become assignments, loops and `goto` become jumps.
// `st` marks the first instruction of a C statement: steps of the interleaving end only there.

export type CExpr =
  | { k: 'num'; v: number }
  | { k: 'null' }
  | { k: 'str'; v: string }
  /** a local or a parameter */
  | { k: 'var'; n: string }
  /** a local array used as a value: a pointer to its first element */
  | { k: 'larr'; n: string }
  /** a function used as a value (a callback given to call_rcu, INIT_WORK) */
  | { k: 'fn'; n: string }
  /** an enumerator or object-like macro: resolved by the engine's table of kernel constants */
  | { k: 'const'; n: string }
  /** IS_ENABLED(CONFIG_X), #ifdef CONFIG_X */
  | { k: 'cfg'; n: string }
  /** e->f */
  | { k: 'arrow'; e: CExpr; f: string }
  /** e.f */
  | { k: 'dot'; e: CExpr; f: string }
  /** e[i] */
  | { k: 'idx'; e: CExpr; i: CExpr }
  /** &e */
  | { k: 'addr'; e: CExpr }
  /** *e */
  | { k: 'deref'; e: CExpr }
  | { k: 'un'; op: '!' | '-' | '~'; e: CExpr }
  /**
   * arithmetic, comparison, bit operations; `&&`/`||` only over call-free operands; `#len` and
   * `#nth` read the entries list_for_each_entry iterates over
   */
  | { k: 'bin'; op: string; l: CExpr; r: CExpr }
  | { k: 'cond'; c: CExpr; t: CExpr; f: CExpr }
  /** container_of(e, struct type, member) */
  | { k: 'cof'; e: CExpr; type: string; member: string }
  /** a struct initializer { .f = e, ... } (freelist_aba_t old = { .freelist = ..., .counter = tid }) */
  | { k: 'init'; fields: Record<string, CExpr> };

interface At {
  /** 0-based source line */
  line: number;
  /** first instruction of a C statement */
  st?: true;
}

export type CInstr =
  | (At & { i: 'set'; to: CExpr; e: CExpr })
  /** call a function: interpreted, a primitive, or a hand model; `to` receives the result */
  | (At & { i: 'call'; fn: string; args: CExpr[]; to?: CExpr })
  /** jump to `to` when e is false (zero, NULL) */
  | (At & { i: 'jf'; e: CExpr; to: number })
  | (At & { i: 'jmp'; to: number })
  | (At & { i: 'ret'; e?: CExpr });

export interface CParam {
  name: string;
  /** the declared type, e.g. `struct kmem_cache *` */
  type: string;
}

export interface CFunc {
  name: string;
  params: CParam[];
  code: CInstr[];
  /** 0-based line of the definition */
  line: number;
  /** the file it was read from (for the trace and the hover), relative to the kernel tree */
  file?: string;
  /**
   * Callees that are neither interpreted nor modelled, with why: the body stays interpreted, and a
   * run that reaches such a call stops with "not modelled" (never a silent verdict).
   */
  unmodelled?: Record<string, string>;
}

export type CFuncSet = Record<string, CFunc>;

/** Functions a body calls, in order of first call. */
export function cCallees(f: CFunc): string[] {
  const out: string[] = [];
  for (const ins of f.code) if (ins.i === 'call' && !out.includes(ins.fn)) out.push(ins.fn);
  return out;
}

/** Functions used as values (callbacks handed to call_rcu, INIT_WORK) in a body. */
export function cCallbacks(f: CFunc): string[] {
  const out = new Set<string>();
  const walk = (e: CExpr | undefined): void => {
    if (!e) return;
    if (e.k === 'fn') out.add(e.n);
    for (const v of Object.values(e)) {
      if (v && typeof v === 'object' && 'k' in (v as object)) walk(v as CExpr);
    }
    if (e.k === 'init') Object.values(e.fields).forEach(walk);
  };
  for (const ins of f.code) {
    if (ins.i === 'call') ins.args.forEach(walk);
    else if (ins.i === 'set') walk(ins.e);
  }
  return [...out];
}

/** C text of an expression, for trace events ("pcs->rcu_free = NULL"). */
export function showC(e: CExpr): string {
  switch (e.k) {
    case 'num':
      return String(e.v);
    case 'null':
      return 'NULL';
    case 'str':
      return JSON.stringify(e.v);
    case 'var':
    case 'larr':
    case 'fn':
    case 'const':
      return e.n;
    case 'cfg':
      return `IS_ENABLED(${e.n})`;
    case 'arrow':
      return `${showC(e.e)}->${e.f}`;
    case 'dot':
      return `${showC(e.e)}.${e.f}`;
    case 'idx':
      return `${showC(e.e)}[${showC(e.i)}]`;
    case 'addr':
      return `&${showC(e.e)}`;
    case 'deref':
      return `*${showC(e.e)}`;
    case 'un':
      return `${e.op}${showC(e.e)}`;
    case 'bin':
      return `${showC(e.l)} ${e.op} ${showC(e.r)}`;
    case 'cond':
      return `${showC(e.c)} ? ${showC(e.t)} : ${showC(e.f)}`;
    case 'cof':
      return `container_of(${showC(e.e)}, struct ${e.type}, ${e.member})`;
    case 'init':
      return `{ ${Object.entries(e.fields)
        .map(([f, v]) => `.${f} = ${showC(v)}`)
        .join(', ')} }`;
  }
}
