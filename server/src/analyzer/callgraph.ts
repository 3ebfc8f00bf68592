// Callers, callees and call paths up to entry points, over the functions of all open files.
// Updated function by function: an edit removes the edited definitions' edges and adds the new ones.

import type { CallSite, FunctionInfo } from './types';

/** Where reviewers start reading: the API entry points of the slab allocator lifecycle. */
export const ENTRY_POINTS = [
  'kmem_cache_destroy',
  'kmem_cache_create',
  'kmem_cache_shrink',
  'kvfree_call_rcu',
  'kfree_rcu_sheaf',
  'kmem_cache_free',
  'kfree',
  'kvfree_rcu_barrier',
];

export class CallGraph {
  /** direct calls, by callee */
  private calls = new Map<string, CallSite[]>();
  /** functions passed as arguments (INIT_WORK(&w, fn), call_rcu(&h, fn)), by the name passed; they count once that name is defined */
  private refs = new Map<string, CallSite[]>();
  private defs = new Map<string, FunctionInfo[]>();
  /** callers(name), sorted, until a change touches `name` */
  private sorted = new Map<string, CallSite[]>();

  /** `rank` orders files, so that the order of results does not depend on the order of edits. */
  constructor(private readonly rank: (uri: string) => number) {}

  private bySite = (a: CallSite, b: CallSite): number =>
    this.rank(a.uri) - this.rank(b.uri) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character;

  add(f: FunctionInfo): void {
    const d = this.defs.get(f.name);
    if (d) {
      d.push(f);
      d.sort((a, b) => this.rank(a.uri) - this.rank(b.uri) || a.range.start.line - b.range.start.line);
    } else this.defs.set(f.name, [f]);
    this.sorted.delete(f.name);
    for (const c of f.calls) this.link(this.calls, c);
    for (const r of f.refs ?? []) this.link(this.refs, r);
  }

  remove(f: FunctionInfo): void {
    const d = this.defs.get(f.name);
    if (d) {
      const i = d.indexOf(f);
      if (i >= 0) d.splice(i, 1);
      if (!d.length) this.defs.delete(f.name);
    }
    this.sorted.delete(f.name);
    for (const c of f.calls) this.unlink(this.calls, c);
    for (const r of f.refs ?? []) this.unlink(this.refs, r);
  }

  private link(m: Map<string, CallSite[]>, c: CallSite): void {
    const a = m.get(c.callee);
    if (a) a.push(c);
    else m.set(c.callee, [c]);
    this.sorted.delete(c.callee);
  }

  private unlink(m: Map<string, CallSite[]>, c: CallSite): void {
    const a = m.get(c.callee);
    if (!a) return;
    const i = a.indexOf(c);
    if (i >= 0) a.splice(i, 1);
    if (!a.length) m.delete(c.callee);
    this.sorted.delete(c.callee);
  }

  isDefined(name: string): boolean {
    return this.defs.has(name);
  }

  /** The definitions of `name`, in file order (files by rank, then lines). */
  definitions(name: string): readonly FunctionInfo[] {
    return this.defs.get(name) ?? [];
  }

  /** Call sites of `name`: calls, and references once `name` is a defined function. In file order. */
  callers(name: string): CallSite[] {
    let s = this.sorted.get(name);
    if (!s) {
      s = [...(this.calls.get(name) ?? []), ...(this.defs.has(name) ? (this.refs.get(name) ?? []) : [])].sort(
        this.bySite,
      );
      this.sorted.set(name, s);
    }
    return s;
  }

  callees(name: string): CallSite[] {
    const d = this.defs.get(name);
    if (!d) return [];
    return d.flatMap((f) => [...f.calls, ...(f.refs ?? []).filter((r) => this.defs.has(r.callee))]);
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
