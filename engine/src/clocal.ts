// Structs that live only on the stack of interpreted C: `struct detached_freelist df;` in
// __kmem_cache_free_bulk(), `struct freelist_counters old, new;` in __slab_free(). Such a local
// is a record of its fields in its frame's locals; `&df` handed to a callee is "lvar:<frame>:<name>",
// through which the callee reads and writes the caller's record (build_detached_freelist()).
//
// struct freelist_counters is a union in the kernel: `counters` is the word that holds the
// bitfields `inuse:16`, `objects:15` and `frozen:1` (mm/slab.h), so `new.counters = old.counters;
// new.inuse -= cnt;` changes the word. The record keeps the word; the bitfields are views of it.

import { CStruct, CVal, isRef } from './cref';
import { ModelError } from './modelError';
import type { Task, Value } from './state';

/** Stack-only structs with the fields the C may use (the lowering checks `.f` / `->f` against these). */
export const LOCAL_STRUCTS: Record<string, string[]> = {
  detached_freelist: ['slab', 'tail', 'freelist', 'cnt', 's'],
  freelist_counters: ['freelist', 'counters', 'inuse', 'objects', 'frozen'],
};

// the layout of slab->counters: inuse (16 bits), objects (15), frozen (1)
const BITS: Record<string, [number, number]> = { inuse: [0, 16], objects: [16, 15], frozen: [31, 1] };

/** slab->counters as the kernel packs it. */
export function packCounters(inuse: number, objects: number, frozen: boolean): number {
  return inuse + objects * 2 ** 16 + (frozen ? 2 ** 31 : 0);
}

/** One bitfield of a counters word. */
export function counterBits(word: number, f: string): number {
  const [at, n] = BITS[f];
  return Math.floor(word / 2 ** at) % 2 ** n;
}

/** The word with bitfield f set to v, which wraps as an unsigned bitfield does (inuse 0 - 1 = 65535). */
function withBits(word: number, f: string, v: number, line: number): number {
  const [at, n] = BITS[f];
  if (!Number.isInteger(v)) throw new ModelError(`not modelled: ${f} = ${v} (line ${line + 1})`);
  const bits = ((v % 2 ** n) + 2 ** n) % 2 ** n;
  return word - counterBits(word, f) * 2 ** at + bits * 2 ** at;
}

/** Field f of a local struct value (a bitfield of `counters` reads the word). */
export function fieldOf(rec: CStruct, f: string): CVal {
  if (f in BITS && !(f in rec) && typeof rec.counters === 'number') return counterBits(rec.counters, f);
  return rec[f] ?? null;
}

/** The record with field f set (a bitfield of `counters` writes the word). */
export function withField(rec: CStruct, f: string, v: CVal, line: number): CStruct {
  if (f in BITS && !(f in rec) && typeof rec.counters === 'number')
    return { ...rec, counters: withBits(rec.counters, f, Number(v), line) };
  return { ...rec, [f]: v };
}

const lvarRe = /^lvar:(\d+):(\w+)$/;

export const isLvar = (v: CVal): v is string => isRef(v) && v.startsWith('lvar:');

/** &name for a local struct of frame `frame`. */
export const lvar = (frame: number, name: string): string => `lvar:${frame}:${name}`;

function target(t: Task, ref: string, line: number): { locals: Record<string, Value>; name: string; rec: CStruct } {
  const m = lvarRe.exec(ref);
  const f = m ? t.frames[Number(m[1])] : undefined;
  const rec = f && f.k === 'c' ? f.locals[m![2]] : undefined;
  if (!m || !f || f.k !== 'c' || !rec || typeof rec !== 'object')
    throw new ModelError(`not modelled: ${ref} outside its frame (line ${line + 1})`);
  return { locals: f.locals, name: m[2], rec: rec as CStruct };
}

/** p->f for p = &local */
export function lvarGet(t: Task, ref: string, f: string, line: number): CVal {
  return fieldOf(target(t, ref, line).rec, f);
}

/** p->f = v for p = &local (the record is replaced: locals are copied shallowly between states) */
export function lvarSet(t: Task, ref: string, f: string, v: CVal, line: number): void {
  const { locals, name, rec } = target(t, ref, line);
  locals[name] = withField(rec, f, v, line) as Value;
}
