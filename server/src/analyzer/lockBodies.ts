// The lock operations of each function body the lock rules walk (lockdep.ts), read once per run:
// with their control flow where they can matter (lock calls, online-CPU loops, callers of functions
// that return holding more or fewer locks than they were called with), else the calls alone.
// A body is read from its text where that settles it (lockText.ts, no parse), else from the tree
// of the definition parsed alone (lockOps.ts).

import type { Analyzer } from './analyzer';
import { liteTree } from './liteTree';
import { BodyCtx, blockOps, flatOps, LOp, typeReader } from './lockOps';
import { isLockCall, LOCK_PRIMITIVES, LOCKISH, NOT_LOCKS, NotModelledLock, ON_CPU_CALLS } from './lockPrimitives';
import { opsFromText } from './lockText';
import { Lines, maskedSlice } from './parse';
import type { FunctionInfo } from './types';

export class LockBodies {
  /** lock calls the primitives do not know, as met */
  readonly notModelled: NotModelledLock[] = [];
  private readonly bodies = new Map<string, LOp[]>();
  /** locks taken minus released over a body and its callees (plain calls) */
  private readonly weight = new Map<string, number>();
  private readonly lines = new Map<string, Lines>();

  constructor(
    private readonly a: Analyzer,
    private readonly byName: Map<string, FunctionInfo>,
  ) {}

  /** The lock operations of `name`'s body (a defined function). */
  of(name: string): LOp[] {
    let b = this.bodies.get(name);
    if (b) return b;
    const f = this.byName.get(name)!;
    b = this.needsFlow(f) ? (this.fromText(f) ?? this.fromTree(f)) : flatOps(f);
    this.bodies.set(name, b);
    return b;
  }

  /** Whether the body's control flow can matter: see the head of this file. */
  private needsFlow(f: FunctionInfo): boolean {
    return f.calls.some(
      (c) =>
        !c.viaPointer &&
        (isLockCall(c.callee) ||
          (c.inLoopMacro === 'for_each_online_cpu' && ON_CPU_CALLS.has(c.callee)) ||
          (this.byName.has(c.callee) && this.weightOf(c.callee, new Set()) !== 0) ||
          (LOCKISH.test(c.callee) && !NOT_LOCKS.test(c.callee))),
    );
  }

  private weightOf(name: string, seen: Set<string>): number {
    const w = this.weight.get(name);
    if (w !== undefined) return w;
    const f = this.byName.get(name);
    if (!f || seen.has(name)) return 0;
    seen.add(name);
    let sum = 0;
    for (const c of f.calls) {
      if (c.viaPointer) continue;
      const p = LOCK_PRIMITIVES.get(c.callee);
      if (p) sum += p.op === 'acquire' ? 1 : p.op === 'release' ? -1 : 0;
      else if (this.byName.has(c.callee)) sum += this.weightOf(c.callee, seen);
    }
    seen.delete(name);
    this.weight.set(name, sum);
    return sum;
  }

  /** `body()`: the body's text, read only when a lock expression's type is asked for */
  private ctx(f: FunctionInfo, body: () => string): BodyCtx {
    let types: ((v: string) => string | undefined) | undefined;
    return {
      fn: f.name,
      text: this.a.text(f.uri) ?? '',
      typeOf: (v) => (types ??= typeReader(f.signature, body()))(v),
      guards: [],
      notModelled: this.notModelled,
      uri: f.uri,
    };
  }

  private fromText(f: FunctionInfo): LOp[] | undefined {
    const src = this.a.bodySource(f.name);
    return (
      src &&
      opsFromText(
        src,
        this.ctx(f, () => maskedSlice(src.masked, src.text, src.body.start, src.body.end)),
      )
    );
  }

  private fromTree(f: FunctionInfo): LOp[] {
    const found = this.a.found(f.name);
    if (!found) return [];
    const lines = this.lines.get(f.uri) ?? this.lines.set(f.uri, Lines.of(found.text)).get(f.uri)!;
    try {
      // a plain copy of the body: the walk reads each node many times (see liteTree.ts)
      return blockOps(
        liteTree(found.body, found.text, lines),
        this.ctx(f, () => found.body.text),
      );
    } catch {
      return flatOps(f);
    }
  }
}
