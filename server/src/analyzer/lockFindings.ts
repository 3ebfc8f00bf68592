// The lock rules' findings from what the walk recorded: hotplug protection (a site reached with
// and without cpu_hotplug_lock) and lock-order cycles by lockdep's read rules.

import { CPU_HOTPLUG_LOCK, Frame, Held, LockChain, LockFinding } from './lockPrimitives';
import type { Tag } from './lockOps';
import type { Registration } from './lockRoots';

/** The locks held, in the order taken; with what is known of values that decide later tests. */
/** What is known of variables' values: copied on write. */
export type Facts = Map<string, Tag>;

/**
 * held: never changed once made, so states share it; hk: its key, made once (see lockdep.ts).
 * One object shape for all states: the walk's code sees one kind of state.
 */
export interface State {
  held: Held[];
  facts: Facts | undefined;
  ret: Tag | undefined;
  hk: string | undefined;
}

/** A function analysed with the locks held on entry, and where it was called from. */
export interface Ctx {
  id: number;
  fn: string;
  uri: string;
  /** the locks held on entry (of a shared context: those of its first walk) */
  held: string[];
  /** callers' contexts with the line of the call (into a shared context: the locks held there) */
  from: { ctx: number; line: number; held?: string[]; heldKey?: string }[];
  /** the keys of `from`, made on the first link after the first */
  fromKeys?: Set<string | number>;
  root?: Registration['kind'] | 'entry' | 'uncalled';
  /**
   * One context for every set of locks held: the function and its callees take, release and
   * assert no lock, and queue no work on a CPU, so its walk is the same whatever is held.
   */
  shared?: boolean;
  /** of a shared context that is a root: the locks held on entry as a root */
  rootHeld?: string[];
}

export interface SiteHit {
  fn: string;
  uri: string;
  line: number;
  ctx: number;
  held: Held[];
  what: string;
  kind: 'loop' | 'assert';
}

export interface Dependency {
  from: Held;
  to: Held & { frames: Frame[] };
}

export function dedupeBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

const arrow = (p: string[]): string => p.join(' → ');

export function hotplugFindings(
  hits: SiteHit[],
  ctxs: Ctx[],
  pathsTo: (c: number, max?: number) => number[][],
  names: (p: number[]) => string[],
): LockFinding[] {
  const bySite = new Map<string, SiteHit[]>();
  for (const h of hits) {
    const k = `${h.uri}:${h.line}`;
    bySite.set(k, [...(bySite.get(k) ?? []), h]);
  }
  // a function that asserts and loops: one finding, on the loop
  const loopFns = new Set(hits.filter((h) => h.kind === 'loop').map((h) => h.fn));
  const out: LockFinding[] = [];
  for (const list of bySite.values()) {
    const h0 = list[0];
    if (h0.kind === 'assert' && loopFns.has(h0.fn)) continue;
    const holds = (s: Held[]): boolean => s.some((x) => x.key === CPU_HOTPLUG_LOCK);
    const bad = list.filter((h) => !holds(h.held));
    if (!bad.length) continue;
    const good = list.filter((h) => holds(h.held));
    const badPaths = dedupeBy(
      bad.flatMap((h) => pathsTo(h.ctx).map(names)),
      (p) => p.join(' '),
    );
    const goodPaths = dedupeBy(
      good.flatMap((h) => pathsTo(h.ctx).map(names)),
      (p) => p.join(' '),
    );
    const locks = [...new Set(bad.flatMap((h) => h.held.map((x) => x.name)))];
    const why =
      h0.kind === 'loop'
        ? `${h0.what}: the CPU can go offline between the mask read and the call (its work then runs on another CPU)`
        : `lockdep_assert_cpus_held() in ${h0.fn}()`;
    let message = `${why}, reached without cpu_hotplug_lock (cpus_read_lock()) by ${badPaths.map(arrow).join('; ')}`;
    if (goodPaths.length) message += `. Other callers hold it: ${goodPaths.map(arrow).join('; ')}`;
    out.push({
      rule: 'hotplug',
      message,
      function: h0.fn,
      uri: h0.uri,
      line: h0.line,
      paths: badPaths,
      locks,
      protectedPaths: goodPaths.length ? goodPaths : undefined,
      related: dedupeBy(
        bad.flatMap((h) => {
          const p = pathsTo(h.ctx, 1)[0] ?? [h.ctx];
          return p.slice(0, -1).map((id, i) => {
            const next = ctxs[p[i + 1]];
            const line = next.from.find((f) => f.ctx === id)?.line ?? 0;
            return { uri: ctxs[id].uri, line, message: `${ctxs[id].fn}() calls ${next.fn}() without cpu_hotplug_lock` };
          });
        }),
        (r) => `${r.uri}:${r.line}`,
      ),
    });
  }
  return out;
}

/** Cycles of dependencies, each made of at most 4 locks, that are deadlocks by lockdep's read rules. */
export function cycleFindings(deps: Dependency[]): LockFinding[] {
  const out = new Map<string, LockFinding>();
  const byFrom = new Map<string, Dependency[]>();
  for (const d of deps) byFrom.set(d.from.key, [...(byFrom.get(d.from.key) ?? []), d]);
  const walk = (start: string, path: Dependency[]): void => {
    const last = path[path.length - 1];
    for (const d of byFrom.get(last.to.key) ?? []) {
      // entered and left as a reader: readers do not wait for each other (recursive read)
      if (last.to.mode === 'read' && d.from.mode === 'read') continue;
      if (d.to.key === start) {
        const first = path[0];
        if (d.to.mode === 'read' && first.from.mode === 'read') continue;
        report([...path, d]);
        continue;
      }
      if (path.length >= 4 || path.some((p) => p.from.key === d.to.key)) continue;
      walk(start, [...path, d]);
    }
  };
  const report = (cycle: Dependency[]): void => {
    const keys = cycle.map((d) => d.from.key);
    const min = keys.indexOf([...keys].sort()[0]);
    const rot = [...cycle.slice(min), ...cycle.slice(0, min)];
    const id = rot.map((d) => `${d.from.key}:${d.from.mode}>${d.to.mode}`).join('|');
    if (out.has(id)) return;
    const last = rot[rot.length - 1];
    const at = last.to.frames[last.to.frames.length - 1];
    const lk = (h: Held): string => `${h.name}${h.mode === 'read' ? ' (read)' : ''}`;
    const chains: LockChain[] = rot.map((d) => ({
      held: d.from.name,
      heldMode: d.from.mode,
      taken: d.to.name,
      takenMode: d.to.mode,
      heldAt: d.from.chain,
      takenAt: d.to.frames,
    }));
    const showChain = (d: Dependency): string =>
      `${lk(d.to)} taken while ${lk(d.from)} is held: ${d.to.frames.map((f) => `${f.fn}:${f.line + 1}`).join(' → ')} (held since ${d.from.chain.map((f) => `${f.fn}:${f.line + 1}`).join(' → ')})`;
    out.set(id, {
      rule: 'lock-order',
      message: `possible circular locking dependency: ${[...rot.map((d) => lk(d.from)), lk(rot[0].from)].join(' → ')}. ${rot.map((d, i) => `#${i}: ${showChain(d)}`).join('; ')}`,
      function: at.fn,
      uri: at.uri,
      line: at.line,
      paths: rot.map((d) => d.to.frames.map((f) => f.fn).filter((f, i, xs) => xs[i - 1] !== f)),
      locks: rot.map((d) => d.from.name),
      chains,
      related: rot.flatMap((d, i) => [
        ...d.from.chain
          .slice(-1)
          .map((f) => ({ uri: f.uri, line: f.line, message: `#${i}: ${lk(d.from)} taken here (${f.what})` })),
        ...d.to.frames.map((f, j) => ({
          uri: f.uri,
          line: f.line,
          message:
            j === d.to.frames.length - 1
              ? `#${i}: ${lk(d.to)} taken here while ${lk(d.from)} is held`
              : `#${i}: ${f.fn}() calls ${f.what}`,
        })),
      ]),
    });
  };
  for (const d of deps) walk(d.from.key, [d]);
  return [...out.values()];
}
