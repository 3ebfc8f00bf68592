// What a kernel primitive of interpreted C sees (cprims.ts, cprimsMem.ts), and what it is.

import type { Mem } from './cmem';
import type { CVal, HeapStep } from './heap';
import type { Env } from './model';
import type { State, Task } from './state';

export interface CCtx {
  s: State;
  t: Task;
  heap: HeapStep;
  /** element pointers: a sheaf's objects[] or a local array */
  mem: Mem;
  env: Env;
  /** the interpreted function making the call */
  fn: string;
  line: number;
  emit(text: string): void;
  violate(property: string, message: string): void;
  /** read or write a local of the calling frame (for &old in the cmpxchg primitives) */
  local(name: string, v?: CVal): CVal;
}

export interface CPrimitive {
  name: string;
  /** primitive: kernel code outside mm/slub.c and mm/slab_common.c (or below the page level);
   * no-op: statistics, debug output, annotations; hand model: a slub function's fallback */
  kind: 'primitive' | 'no-op' | 'hand model';
  /**
   * reads only its arguments and what no task changes (the caller's CPU and context, the config,
   * an object's slab) and writes nothing: a call other tasks cannot see (clive.ts)
   */
  pure?: true;
  contract: string;
  run(c: CCtx, args: CVal[]): CVal;
}
