// The lock primitives (models/locks.ts) in Promela, with the same contracts:
//  - lk[l]: _pid + 1 of the task holding lock l (0: free); lkirq[l]: its taker disabled irqs on
//    its CPU (the _irq/_irqsave forms), so its unlock enables them again.
//  - cpu_hotplug_lock, a percpu rw-semaphore: its writer in lk[], hpwait the writer that
//    announced itself (new readers wait), hpn the readers; each task counts its own read holds
//    in its scratch variable `hpr` (for cpus_read_unlock and lockdep_assert_cpus_held).
// A task waiting for a lock has no enabled step: when nothing can move with tasks left, that is
// Spin's invalid end state, the engine's "deadlock". Violations are assertions, as in leaves.ts.

import { CPU_HOTPLUG_LOCK, HOTPLUG_PRIMITIVES, LOCK_PRIMITIVES } from '../models/locks';
import { ExportError } from './errors';
import type { StepWriter as Gen, TaskCtx } from './task';

/** Globals of the lock state (NLOCK: the scenario's distinct locks, cpu_hotplug_lock included). */
export const LOCK_GLOBALS = 'byte lk[NLOCK]; bool lkirq[NLOCK]; byte hpwait; byte hpn;';

/** Property flags the lock primitives raise. */
export const LOCK_PROPERTIES = ['bad_unlock_balance', 'lockdep_assert'];

const violate = (p: string) => `${p} = 1; assert(!${p})`;

/** Free for an exclusive taker: no owner (cpu_hotplug_lock: no readers, no writer waiting either). */
const free = (i: number, hotplug: boolean) => `(lk[${i}] == 0${hotplug ? ' && hpn == 0 && hpwait == 0' : ''})`;

const kind = (fn: string): 'try' | 'unlock' | 'assert' | 'hotplug' | 'acquire' => {
  if (HOTPLUG_PRIMITIVES.has(fn)) return 'hotplug';
  if (fn.startsWith('lockdep_assert_held')) return 'assert';
  if (/trylock/.test(fn)) return 'try';
  if (/unlock|^up_write$/.test(fn)) return 'unlock';
  return 'acquire';
};

/**
 * Entry code of the lock statement `fn(key)`: its step, then `k`. `assign` receives a trylock's
 * result. The step bodies mirror exclusiveLock, tryLock, unlock, assertHeld and the cpus_* models.
 */
export function lockStmt(
  g: Gen,
  t: TaskCtx,
  fn: string,
  key: string | undefined,
  k: string,
  assign: string | null,
): string {
  if (!LOCK_PRIMITIVES.has(fn)) throw new ExportError(`not exportable: lock primitive ${fn} (not modelled)`);
  const which = kind(fn);
  if (which === 'hotplug') return hotplugStmt(g, t, fn, k);
  if (key === undefined) throw new ExportError(`not exportable: ${fn} without its lock`);
  const i = g.lock(key);
  const hp = key === CPU_HOTPLUG_LOCK;
  const me = '_pid + 1';
  const cpu = t.cpu;
  switch (which) {
    case 'acquire': {
      const irq = /_irq(save)?$/.test(fn)
        ? `if :: irq[${cpu}] == 0 -> irq[${cpu}] = ${me}; lkirq[${i}] = 1 :: else -> skip fi; `
        : '';
      return t.goto(g.step(free(i, hp), `lk[${i}] = ${me}; ${irq}${k}`));
    }
    case 'try': {
      const ret = (v: number) => (assign ? `${assign} = ${v}` : 'skip');
      return t.goto(g.step(null, `if :: ${free(i, hp)} -> lk[${i}] = ${me}; ${ret(1)} :: else -> ${ret(0)} fi; ${k}`));
    }
    case 'unlock':
      return t.goto(
        g.step(
          null,
          `if :: lk[${i}] != ${me} -> ${violate('bad_unlock_balance')} :: else -> lk[${i}] = 0; ` +
            `if :: lkirq[${i}] && irq[${cpu}] == ${me} -> irq[${cpu}] = 0 :: else -> skip fi; lkirq[${i}] = 0 fi; ${k}`,
        ),
      );
    default: {
      const held = hp ? `(lk[${i}] == ${me} || ${t.v('hpr')} > 0)` : `lk[${i}] == ${me}`;
      return t.goto(g.step(null, `if :: ${held} -> skip :: else -> ${violate('lockdep_assert')} fi; ${k}`));
    }
  }
}

/** cpus_read_lock() and friends on cpu_hotplug_lock (percpu_down_read / percpu_down_write). */
function hotplugStmt(g: Gen, t: TaskCtx, fn: string, k: string): string {
  const h = g.lock(CPU_HOTPLUG_LOCK);
  const me = '_pid + 1';
  const hpr = t.v('hpr');
  const noWriter = `(lk[${h}] == 0 && hpwait == 0)`;
  switch (fn) {
    case 'cpus_read_lock':
      return t.goto(g.step(noWriter, `hpn++; ${hpr}++; ${k}`));
    case 'cpus_read_unlock':
      // the engine removes every read hold of the task at once
      return t.goto(
        g.step(
          null,
          `if :: ${hpr} == 0 -> ${violate('bad_unlock_balance')} :: else -> hpn = hpn - ${hpr}; ${hpr} = 0 fi; ${k}`,
        ),
      );
    case 'cpus_write_lock': {
      const held = g.step('hpn == 0', `hpwait = 0; lk[${h}] = ${me}; ${k}`);
      return t.goto(g.step(noWriter, `hpwait = ${me}; ${t.goto(held)}`));
    }
    case 'cpus_write_unlock':
      return t.goto(g.step(null, `lk[${h}] = 0; ${k}`));
    case 'lockdep_assert_cpus_held':
      return t.goto(
        g.step(null, `if :: lk[${h}] == ${me} || ${hpr} > 0 -> skip :: else -> ${violate('lockdep_assert')} fi; ${k}`),
      );
    default:
      throw new ExportError(`not exportable: ${fn}`);
  }
}
