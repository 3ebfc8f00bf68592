// The kfree_rcu() batching of mm/slab_common.c (`struct kfree_rcu_cpu`, the per-CPU `krc`) as
// interpreted C sees it, so that __kvfree_rcu_barrier() runs from its body. In every scenario
// kfree_rcu() goes to the cache's rcu_free sheaf (kfree_rcu_sheaf() succeeds: the setup hands the
// objects to sheaves) and nothing else feeds krc, so each CPU's krc is empty in every state: no
// object on `head`, no bulk page on `bulk_head[]`, no batch of `krw_arr[]` queued, no monitor work
// pending. Reads of it are constant (no footprint); a write, or any other field, is "not modelled".
// What the barrier's own control flow does over these (its loops, its retry, what else it calls)
// follows the C.

import { CVal, isRef, splitRef } from './cref';
import { ModelError } from './modelError';

/** Per-CPU variables the C may name (`&krc`): the value is what per_cpu_ptr()/this_cpu_ptr() take. */
export const GLOBALS: Record<string, string> = { krc: 'percpu:krc' };

/** The fields of struct kfree_rcu_cpu (and of its batches) that the barrier reads. */
export const KRC_FIELDS: Record<string, string[]> = {
  kfree_rcu_cpu: ['head', 'bulk_head', 'krw_arr', 'monitor_work'],
  kfree_rcu_cpu_work: ['rcu_work'],
};

/** mm/slab_common.c: `#define KFREE_N_BATCHES 2`, `#define FREE_N_CHANNELS 2` */
export const KRC_CONSTANTS: Record<string, number> = { KFREE_N_BATCHES: 2, FREE_N_CHANNELS: 2 };

const ARRAYS = new Set(['bulk_head', 'krw_arr']);
const arrayRe = /^krc:(\d+)\/(bulk_head|krw_arr)\[(-?\d+)\]$/;

/** A field of "krc:N" or of one of its batches "krc:N/krw_arr[i]"; undefined: not one the heap maps. */
export function krcField(ref: string, f: string): CVal | undefined {
  const { base, member } = splitRef(ref);
  if (!member) {
    if (f === 'head') return null;
    if (ARRAYS.has(f)) return `${base}/${f}[0]`;
    if (f === 'monitor_work') return `${base}/monitor_work`;
    return undefined;
  }
  if (f === 'rcu_work' && /^krw_arr\[\d+\]$/.test(member)) return `${ref}/rcu_work`;
  return undefined;
}

/** &kc->krw_arr[i], &kc->bulk_head[i]: element pointers of krc's arrays (undefined: not one). */
export function krcOffset(p: CVal, i: number, line: number): string | undefined {
  const m = isRef(p) ? arrayRe.exec(p) : null;
  if (!m) return undefined;
  const at = Number(m[3]) + i;
  if (at < 0 || at >= 2) throw new ModelError(`not modelled: ${m[2]}[${at}] outside the array of 2 (line ${line + 1})`);
  return `krc:${m[1]}/${m[2]}[${at}]`;
}

/** list_empty(&kc->bulk_head[i]) and the like: no bulk page is ever queued. */
export const isKrcList = (head: CVal): boolean => isRef(head) && /^krc:\d+\/bulk_head\[\d+\]$/.test(head);

/** A work item of krc: a batch's rcu_work, or the monitor work. */
export const isKrcWork = (w: CVal): boolean => isRef(w) && /^krc:\d+\/(krw_arr\[\d+\]\/rcu_work|monitor_work)$/.test(w);
