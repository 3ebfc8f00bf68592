// Cones for stateful dpor's summaries (dporSummary.ts): what a set of steps reads, writes and
// waits for, and their tasks, as bit sets over the keys met in one search, interned, so that a
// union and a dependence test cost a few word operations (a summary is carried through every
// step the search takes back).

import type { Footprint } from './model';

/** What some steps read, write and wait for, and their tasks, by name. */
export interface Cone {
  r: string[];
  w: string[];
  wait: string[];
  tasks: string[];
}

type Bits = number[];

/** A footprint's keys as bit sets. */
export interface FpBits {
  r: Bits;
  w: Bits;
  wait: Bits;
}

interface BitCone extends FpBits {
  tasks: Bits;
}

const WORD = 30;

function or(a: Bits, b: Bits): Bits {
  if (!a.length) return b;
  if (!b.length) return a;
  const out: Bits = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) out.push((a[i] ?? 0) | (b[i] ?? 0));
  return out;
}

function and(a: Bits, b: Bits): Bits {
  const out: Bits = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(a[i] & b[i]);
  while (out.length && out[out.length - 1] === 0) out.pop();
  return out;
}

function meets(a: Bits, b: Bits): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] & b[i]) return true;
  return false;
}

/** model.ts's dependent(), on bit sets. */
export const bitsDependent = (a: FpBits, b: FpBits): boolean => meets(a.w, b.w) || meets(a.w, b.r) || meets(b.w, a.r);

/** model.ts's orderedAfter(), on bit sets. */
export const bitsOrderedAfter = (earlier: FpBits, later: FpBits): boolean =>
  bitsDependent(earlier, later) || meets(later.wait, earlier.w);

export class Cones {
  private readonly keyIds = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly all: BitCone[] = [];
  private readonly ids = new Map<string, number>();
  private readonly unions = new Map<number, Map<number, number>>();
  private readonly byFp = new WeakMap<Footprint, FpBits>();
  private readonly names: (Cone | undefined)[] = [];
  readonly empty = this.intern({ r: [], w: [], wait: [], tasks: [] });

  /** A footprint's bits (remembered per footprint object). */
  bits(fp: Footprint): FpBits {
    let b = this.byFp.get(fp);
    if (!b) this.byFp.set(fp, (b = { r: this.set(fp.r), w: this.set(fp.w), wait: this.set(fp.wait ?? []) }));
    return b;
  }

  /** The cone of one step. */
  step(task: string, fp: Footprint): number {
    return this.intern({ ...this.bits(fp), tasks: this.set([task]) });
  }

  /** The cone of some tasks. */
  ofTasks(tasks: string[]): number {
    return this.intern({ r: [], w: [], wait: [], tasks: this.set(tasks) });
  }

  /** A cone given by name (a renamed one). */
  of(c: Cone): number {
    return this.intern({ r: this.set(c.r), w: this.set(c.w), wait: this.set(c.wait), tasks: this.set(c.tasks) });
  }

  union(a: number, b: number): number {
    if (a === b || b === this.empty) return a;
    if (a === this.empty) return b;
    if (a > b) [a, b] = [b, a];
    let m = this.unions.get(a);
    if (!m) this.unions.set(a, (m = new Map()));
    let u = m.get(b);
    if (u === undefined) {
      const x = this.all[a];
      const y = this.all[b];
      u = this.intern({ r: or(x.r, y.r), w: or(x.w, y.w), wait: or(x.wait, y.wait), tasks: or(x.tasks, y.tasks) });
      m.set(b, u);
    }
    return u;
  }

  /** What two cones both have. */
  meet(a: number, b: number): number {
    if (a === b) return a;
    const x = this.all[a];
    const y = this.all[b];
    return this.intern({ r: and(x.r, y.r), w: and(x.w, y.w), wait: and(x.wait, y.wait), tasks: and(x.tasks, y.tasks) });
  }

  /** Whether a step with these bits is dependent with a step of the cone, or one waits on what it writes. */
  after(earlier: FpBits, cone: number): boolean {
    return bitsOrderedAfter(earlier, this.all[cone]);
  }

  /** Whether a step with these bits is dependent with a step of the cone. */
  dependent(fp: FpBits, cone: number): boolean {
    return bitsDependent(fp, this.all[cone]);
  }

  hasTask(cone: number, task: string): boolean {
    const i = this.keyIds.get(task);
    return i !== undefined && ((this.all[cone].tasks[Math.floor(i / WORD)] ?? 0) & (1 << (i % WORD))) !== 0;
  }

  /** A cone by name. */
  named(cone: number): Cone {
    let c = this.names[cone];
    if (!c) {
      const x = this.all[cone];
      c = { r: this.list(x.r), w: this.list(x.w), wait: this.list(x.wait), tasks: this.list(x.tasks) };
      this.names[cone] = c;
    }
    return c;
  }

  private intern(c: BitCone): number {
    const k = `${c.r.join(',')}|${c.w.join(',')}|${c.wait.join(',')}|${c.tasks.join(',')}`;
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.all.length;
      this.all.push(c);
      this.ids.set(k, id);
    }
    return id;
  }

  private set(names: readonly string[]): Bits {
    const out: Bits = [];
    for (const n of names) {
      let i = this.keyIds.get(n);
      if (i === undefined) {
        i = this.keys.length;
        this.keys.push(n);
        this.keyIds.set(n, i);
      }
      const w = Math.floor(i / WORD);
      while (out.length <= w) out.push(0);
      out[w] |= 1 << (i % WORD);
    }
    return out;
  }

  private list(b: Bits): string[] {
    const out: string[] = [];
    b.forEach((word, w) => {
      for (let j = 0; j < WORD; j++) if (word & (1 << j)) out.push(this.keys[w * WORD + j]);
    });
    return out;
  }
}
