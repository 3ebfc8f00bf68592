// Callers, callees and call paths up to entry points, over the functions of all open files.

import type { CallSite, FunctionInfo } from './symbols';

/** Where reviewers start reading: the API entry points of the slab allocator lifecycle. */
export const ENTRY_POINTS = ['kmem_cache_destroy', 'kmem_cache_create', 'kmem_cache_shrink', 'kvfree_call_rcu', 'kfree_rcu_sheaf', 'kmem_cache_free', 'kfree', 'kvfree_rcu_barrier'];

export class CallGraph {
  private byCallee = new Map<string, CallSite[]>();
  private byCaller = new Map<string, CallSite[]>();
  /** functions reached from a call as a pointer argument (INIT_WORK(&w, fn), call_rcu(&h, fn)) */
  private refs = new Map<string, CallSite[]>();

  constructor(functions: FunctionInfo[]) {
    const defined = new Set(functions.map((f) => f.name));
    for (const f of functions) {
      const own = f.calls.slice();
      for (const c of f.calls) push(this.byCallee, c.callee, c);
      for (const r of f.refs ?? []) {
        if (!defined.has(r.callee)) continue;
        push(this.refs, r.callee, r);
        push(this.byCallee, r.callee, r);
        own.push(r);
      }
      this.byCaller.set(f.name, (this.byCaller.get(f.name) ?? []).concat(own));
    }
  }

  callers(name: string): CallSite[] {
    return this.byCallee.get(name) ?? [];
  }

  callees(name: string): CallSite[] {
    return this.byCaller.get(name) ?? [];
  }

  /** Call paths from an entry point down to `name` (each path: root first, `name` last). */
  pathsToRoot(name: string, roots: string[], maxPaths: number): string[][] {
    const rootSet = new Set(roots);
    const out: string[][] = [];
    // breadth first over reversed edges, so the shortest paths come first
    const queue: string[][] = [[name]];
    while (queue.length && out.length < maxPaths) {
      const path = queue.shift()!;
      const head = path[0];
      if (rootSet.has(head) && path.length > 1) {
        out.push(path);
        continue;
      }
      if (rootSet.has(head) && path.length === 1) out.push(path);
      if (path.length > 32) continue;
      const seen = new Set<string>();
      for (const c of this.callers(head)) {
        if (path.includes(c.caller) || seen.has(c.caller)) continue;
        seen.add(c.caller);
        queue.push([c.caller, ...path]);
      }
    }
    return out.slice(0, maxPaths);
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
