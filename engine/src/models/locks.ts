// Lock primitives as state: mutexes, spinlocks (the _irq/_irqsave forms also disable irqs on the
// CPU), and cpu_hotplug_lock, the percpu rw-semaphore of CPU hotplug. One instance per C lock
// expression (`&slab_mutex`, `&flush_lock`, `&n->list_lock`); the class lockdep would print is
// that expression. A task waiting for a lock is not enabled; when every unfinished task waits,
// the explorer's final check reports "deadlock", and lockdepReport() below prints the cycle the
// way lockdep does.
//
// Contracts (what each primitive does here; the C interpreter of issue 12 keeps these as the
// primitives' semantics):
//  - mutex_lock(m), spin_lock*(l), raw_spin_lock*(l), down_write(r): wait until nobody holds the
//    lock, then hold it (owner = the task). Taking a lock the task already holds waits for ever
//    (lockdep: "possible recursive locking"). The _irq/_irqsave forms also disable irqs on the
//    task's CPU until the matching unlock (nothing else runs there meanwhile).
//  - mutex_trylock(m), spin_trylock*(l): take the lock if free and return 1, else return 0; never wait.
//  - mutex_unlock(m), spin_unlock*(l), up_write(r): the owner releases the lock. Releasing a
//    lock the task does not hold is the violation "bad unlock balance".
//  - cpus_read_lock(): percpu_down_read(&cpu_hotplug_lock): waits while a writer holds it or
//    waits for it (a waiting writer blocks new readers), then counts the task as a reader.
//    cpus_read_unlock(): the task stops being a reader.
//  - cpus_write_lock(): percpu_down_write(): first announces the writer (new readers now wait),
//    then waits until the readers are gone and holds the lock. cpus_write_unlock() releases it.
//  - lockdep_assert_held(l) / lockdep_assert_cpus_held(): when executed, the task must hold the
//    lock (cpu_hotplug_lock: for read or write), else the violation "lockdep assert".

import type { Footprint, LeafModel, PeekCtx, Phase, StepCtx } from '../model';
import type { LockState, State, Task } from '../state';

export const CPU_HOTPLUG_LOCK = 'cpu_hotplug_lock';

const lockOf = (s: State, key: string): LockState => (s.locks[key] ??= { owner: null, readers: [] });
const keyOf = (c: PeekCtx): string => String(c.frame.args.lock);
const where = (c: PeekCtx): string => {
  const a = c.frame.anchor;
  return a ? `${a.fn}${a.line !== undefined ? `:${a.line + 1}` : ''}` : c.task.id;
};
const irqForm = (fn: string): boolean => /_irq(save)?$/.test(fn);
const footprintOf = (c: PeekCtx): Footprint => ({
  r: [],
  w: [`lock:${keyOf(c)}`, ...(irqForm(c.frame.fn) ? [`cpu:${c.task.cpu}`] : [])],
});
/** Taking the lock: disabled while another task holds it (or, cpu_hotplug_lock, a writer waits). */
const acquireFootprint = (c: PeekCtx): Footprint => ({ ...footprintOf(c), blockedBy: [`own:${keyOf(c)}`] });
/** Releasing it: its holder's step, never enabled together with another task's acquire. */
const releaseFootprint = (c: PeekCtx): Footprint => ({
  ...footprintOf(c),
  holds: c.s.locks[keyOf(c)]?.owner === c.task.id ? [`own:${keyOf(c)}`] : [],
});

/** Free for an exclusive taker: no owner, no readers, no writer waiting. */
const free = (l: LockState | undefined): boolean =>
  !l || (l.owner === null && l.readers.length === 0 && !l.writerWaiting);

function exclusiveLock(name: string, kind: string): LeafModel {
  return {
    name,
    summary: `${kind}: waits until the lock is free, then holds it${irqForm(name) ? ' with irqs disabled on this CPU' : ''}`,
    assumes: { calls: [] },
    params: ['lock'],
    phases: [
      {
        enabled: (c) => free(c.s.locks[keyOf(c)]),
        footprint: acquireFootprint,
        run: (c) => {
          const key = keyOf(c);
          const l = lockOf(c.s, key);
          l.owner = c.task.id;
          l.at = where(c);
          if (irqForm(name) && c.s.cpus[c.task.cpu].irqOwner === null) {
            c.s.cpus[c.task.cpu].irqOwner = c.task.id;
            l.irq = true;
          }
          c.emit(`${name}(${key})`);
        },
      },
    ],
  };
}

function tryLock(name: string): LeafModel {
  return {
    name,
    summary: 'takes the lock if it is free and returns 1, else returns 0; never waits',
    assumes: { calls: [] },
    params: ['lock'],
    phases: [
      {
        footprint: footprintOf,
        run: (c) => {
          const key = keyOf(c);
          if (!free(c.s.locks[key])) {
            c.emit(`${name}(${key}) fails: held by ${c.s.locks[key].owner ?? 'readers'}`);
            c.ret(0);
            return;
          }
          const l = lockOf(c.s, key);
          l.owner = c.task.id;
          l.at = where(c);
          c.emit(`${name}(${key}) succeeds`);
          c.ret(1);
        },
      },
    ],
  };
}

function unlock(name: string): LeafModel {
  return {
    name,
    summary: 'the owner releases the lock (and irqs, for the _irq forms)',
    assumes: { calls: [] },
    params: ['lock'],
    phases: [
      {
        footprint: releaseFootprint,
        run: (c) => {
          const key = keyOf(c);
          const l = c.s.locks[key];
          if (!l || l.owner !== c.task.id) {
            c.violate(
              'bad unlock balance',
              `WARNING: bad unlock balance detected! ${c.task.id} is trying to release lock (${key}) at ${where(c)} but there are no more locks to release!`,
            );
            return;
          }
          l.owner = null;
          delete l.at;
          if (l.irq && c.s.cpus[c.task.cpu].irqOwner === c.task.id) c.s.cpus[c.task.cpu].irqOwner = null;
          delete l.irq;
          c.emit(`${name}(${key})`);
        },
      },
    ],
  };
}

const H = CPU_HOTPLUG_LOCK;
/** A writer holding or waiting for cpu_hotplug_lock: new readers (and another writer) wait. */
const noWriter = (s: State): boolean => {
  const l = s.locks[H];
  return !l || (l.owner === null && !l.writerWaiting);
};

/**
 * One phase on cpu_hotplug_lock. `holds` names what the task holds when the phase runs
 * (own: the writer, read: a reader) and `blockedBy` what another task's holding disables it:
 * dpor takes a release and the acquire it lets in as an order, not a race.
 */
function hotplugPhase(p: {
  enabled?: (s: State) => boolean;
  holds?: (l: LockState | undefined, t: Task) => boolean;
  held?: 'own' | 'read';
  blockedBy?: ('own' | 'read')[];
  run: (c: StepCtx, l: LockState) => void;
}): Phase {
  return {
    enabled: p.enabled && (({ s }) => p.enabled!(s)),
    footprint: ({ s, task }) => ({
      r: [],
      w: [`lock:${H}`],
      holds: p.held && p.holds?.(s.locks[H], task) ? [`${p.held}:${H}`] : [],
      blockedBy: (p.blockedBy ?? []).map((k) => `${k}:${H}`),
    }),
    run: (c) => p.run(c, lockOf(c.s, H)),
  };
}

const hotplugModel = (name: string, summary: string, phases: Phase[]): LeafModel => ({
  name,
  summary,
  assumes: { calls: [] },
  phases,
});

export const cpus_read_lock = hotplugModel(
  'cpus_read_lock',
  'percpu_down_read(&cpu_hotplug_lock): waits while a writer holds or waits for it, then reads',
  [
    hotplugPhase({
      enabled: noWriter,
      blockedBy: ['own'],
      run: (c, l) => {
        l.readers = [...l.readers, c.task.id].sort();
        (l.readersAt ??= {})[c.task.id] = where(c);
        c.emit('cpus_read_lock()');
      },
    }),
  ],
);

export const cpus_read_unlock = hotplugModel('cpus_read_unlock', 'percpu_up_read(&cpu_hotplug_lock)', [
  hotplugPhase({
    held: 'read',
    holds: (l, t) => !!l?.readers.includes(t.id),
    run: (c, l) => {
      if (!l.readers.includes(c.task.id)) {
        c.violate(
          'bad unlock balance',
          `WARNING: bad unlock balance detected! ${c.task.id} is trying to release lock (cpu_hotplug_lock) at ${where(c)} but there are no more locks to release!`,
        );
        return;
      }
      l.readers = l.readers.filter((r) => r !== c.task.id);
      if (l.readersAt) delete l.readersAt[c.task.id];
      c.emit('cpus_read_unlock()');
    },
  }),
]);

export const cpus_write_lock = hotplugModel(
  'cpus_write_lock',
  'percpu_down_write(&cpu_hotplug_lock): announces the writer (new readers wait), then waits for the readers to leave',
  [
    hotplugPhase({
      enabled: noWriter,
      blockedBy: ['own'],
      run: (c, l) => {
        l.writerWaiting = c.task.id;
        l.at = where(c);
        c.emit(
          `cpus_write_lock(): writer waiting${l.readers.length ? ` for ${l.readers.join(', ')}` : ''}; new readers block`,
        );
      },
    }),
    hotplugPhase({
      enabled: (s) => s.locks[H].readers.length === 0,
      held: 'own',
      holds: (l, t) => l?.writerWaiting === t.id,
      blockedBy: ['read'],
      run: (c, l) => {
        delete l.writerWaiting;
        l.owner = c.task.id;
        c.emit('cpus_write_lock(): cpu_hotplug_lock held for write');
      },
    }),
  ],
);

export const cpus_write_unlock = hotplugModel('cpus_write_unlock', 'percpu_up_write(&cpu_hotplug_lock)', [
  hotplugPhase({
    held: 'own',
    holds: (l, t) => l?.owner === t.id,
    run: (c, l) => {
      l.owner = null;
      delete l.at;
      c.emit('cpus_write_unlock()');
    },
  }),
]);

/** Whether the task holds `key` (for cpu_hotplug_lock: for read or write). */
export function holds(s: State, t: Task, key: string): boolean {
  const l = s.locks[key];
  return !!l && (l.owner === t.id || l.readers.includes(t.id));
}

function assertHeld(name: string, hotplug: boolean): LeafModel {
  return {
    name,
    summary: hotplug
      ? 'checks, when executed, that the task holds cpu_hotplug_lock (read or write)'
      : 'checks, when executed, that the task holds the lock',
    assumes: { calls: [] },
    params: hotplug ? [] : ['lock'],
    phases: [
      {
        footprint: (c) => ({ r: [`lock:${hotplug ? CPU_HOTPLUG_LOCK : keyOf(c)}`], w: [] }),
        run: (c) => {
          const key = hotplug ? CPU_HOTPLUG_LOCK : keyOf(c);
          if (holds(c.s, c.task, key)) c.emit(`${name}(${hotplug ? '' : key}): held`);
          else
            c.violate(
              'lockdep assert',
              `WARNING: ${name}(${hotplug ? '' : key}) at ${where(c)}: ${c.task.id} does not hold ${key}`,
            );
        },
      },
    ],
  };
}

const EXCLUSIVE: Record<string, string> = {
  mutex_lock: 'mutex',
  mutex_lock_nested: 'mutex',
  mutex_lock_interruptible: 'mutex',
  mutex_lock_killable: 'mutex',
  spin_lock: 'spinlock',
  spin_lock_irq: 'spinlock',
  spin_lock_irqsave: 'spinlock',
  spin_lock_bh: 'spinlock',
  spin_lock_nested: 'spinlock',
  raw_spin_lock: 'raw spinlock',
  raw_spin_lock_irq: 'raw spinlock',
  raw_spin_lock_irqsave: 'raw spinlock',
  down_write: 'rw-semaphore (write)',
};
const UNLOCK = [
  'mutex_unlock',
  'spin_unlock',
  'spin_unlock_irq',
  'spin_unlock_irqrestore',
  'spin_unlock_bh',
  'raw_spin_unlock',
  'raw_spin_unlock_irq',
  'raw_spin_unlock_irqrestore',
  'up_write',
];
const TRY = ['mutex_trylock', 'spin_trylock', 'spin_trylock_irqsave', 'raw_spin_trylock'];

/** Every lock primitive the engine models, by C name. */
export const LOCK_MODELS: LeafModel[] = [
  ...Object.entries(EXCLUSIVE).map(([n, k]) => exclusiveLock(n, k)),
  ...UNLOCK.map(unlock),
  ...TRY.map(tryLock),
  cpus_read_lock,
  cpus_read_unlock,
  cpus_write_lock,
  cpus_write_unlock,
  assertHeld('lockdep_assert_held', false),
  assertHeld('lockdep_assert_held_once', false),
  assertHeld('lockdep_assert_cpus_held', true),
];

/** The C names of the lock primitives above (extraction turns calls of these into `lock` statements). */
export const LOCK_PRIMITIVES: ReadonlySet<string> = new Set(LOCK_MODELS.map((m) => m.name));
/** The ones that act on cpu_hotplug_lock and take no lock argument. */
export const HOTPLUG_PRIMITIVES: ReadonlySet<string> = new Set([
  'cpus_read_lock',
  'cpus_read_unlock',
  'cpus_write_lock',
  'cpus_write_unlock',
  'lockdep_assert_cpus_held',
]);

const ACQUIRE = new Set([...Object.keys(EXCLUSIVE), 'cpus_read_lock', 'cpus_write_lock']);

/** The lock a task waits for at its next step, and how (undefined: it does not wait for a lock). */
export function waitingFor(t: Task): { key: string; read: boolean; at: string } | undefined {
  const f = t.frames[t.frames.length - 1];
  if (!f || f.k !== 'leaf' || !ACQUIRE.has(f.fn)) return undefined;
  const at = f.anchor ? `${f.anchor.fn}${f.anchor.line !== undefined ? `:${f.anchor.line + 1}` : ''}` : t.id;
  if (f.fn === 'cpus_read_lock') return { key: CPU_HOTPLUG_LOCK, read: true, at };
  if (f.fn === 'cpus_write_lock') return { key: CPU_HOTPLUG_LOCK, read: false, at };
  return { key: String(f.args.lock), read: false, at };
}

/** Who a waiter waits for: the owner, the readers (a writer), or the waiting writer (a reader). */
function blockers(s: State, t: Task, w: { key: string; read: boolean }): string[] {
  const l = s.locks[w.key];
  if (!l) return [];
  const out: string[] = [];
  if (l.owner) out.push(l.owner);
  if (!w.read) out.push(...l.readers.filter((r) => r !== t.id));
  if (l.writerWaiting && l.writerWaiting !== t.id) out.push(l.writerWaiting);
  // a writer that announced itself waits for the readers
  if (l.writerWaiting === t.id) out.push(...l.readers);
  return [...new Set(out)];
}

/**
 * The circular wait among blocked tasks, printed as lockdep prints a circular dependency: the task
 * trying to acquire, what it holds, the chain, and the "Possible unsafe locking scenario" table.
 * Undefined when the blocked tasks wait for no lock cycle.
 */
export function lockdepReport(s: State, stuck: string[]): string | undefined {
  const tasks = new Map(s.tasks.map((t) => [t.id, t]));
  const waits = new Map<string, { key: string; read: boolean; at: string }>();
  for (const id of stuck) {
    const w = waitingFor(tasks.get(id)!);
    if (w) waits.set(id, w);
  }
  // follow waits-for edges from each waiter until a task repeats
  for (const start of waits.keys()) {
    const path: string[] = [];
    let cur: string | undefined = start;
    while (cur && waits.has(cur) && !path.includes(cur)) {
      path.push(cur);
      cur = blockers(s, tasks.get(cur)!, waits.get(cur)!).find((b) => waits.has(b)) ?? undefined;
    }
    if (!cur || !path.includes(cur)) continue;
    const cycle = path.slice(path.indexOf(cur));
    return render(s, cycle, waits);
  }
  return undefined;
}

/** What a task holds, with where it took it. */
function heldBy(s: State, id: string): { key: string; read: boolean; at: string }[] {
  const out: { key: string; read: boolean; at: string }[] = [];
  for (const [key, l] of Object.entries(s.locks)) {
    if (l.owner === id) out.push({ key, read: false, at: l.at ?? '?' });
    else if (l.readers.includes(id)) out.push({ key, read: true, at: l.readersAt?.[id] ?? '?' });
    else if (l.writerWaiting === id)
      out.push({ key, read: false, at: `${l.at ?? '?'} (writer waiting: new readers block)` });
  }
  return out;
}

function render(s: State, cycle: string[], waits: Map<string, { key: string; read: boolean; at: string }>): string {
  const tasks = new Map(s.tasks.map((t) => [t.id, t]));
  const op = (read: boolean, key: string) => `${read ? 'rlock' : 'lock'}(${key})`;
  // each task of the cycle holds the lock the previous one waits for
  const rows = cycle.map((id, i) => {
    const prev = cycle[(i + cycle.length - 1) % cycle.length];
    const wantedByPrev = waits.get(prev)!.key;
    const held = heldBy(s, id).find((h) => h.key === wantedByPrev) ?? heldBy(s, id)[0];
    return { id, cpu: tasks.get(id)!.cpu, held, wants: waits.get(id)! };
  });
  const first = rows[0];
  const lines = [
    'WARNING: possible circular locking dependency detected',
    `${first.id} is trying to acquire lock:`,
    `  (${first.wants.key}${first.wants.read ? ', read' : ''}) at ${first.wants.at}`,
    '',
    'but task is already holding lock:',
    ...heldBy(s, first.id).map((h) => `  (${h.key}${h.read ? ', read' : ''}) at ${h.at}`),
    '',
    'which lock already depends on the new lock.',
    '',
    'the existing dependency chain (in reverse order) is:',
    ...rows.map(
      (r, i) =>
        `-> #${rows.length - 1 - i} (${r.wants.key}): ${r.id} holds ${r.held ? `${r.held.key} (taken at ${r.held.at})` : 'nothing'} and waits for ${r.wants.key} at ${r.wants.at}`,
    ),
    '',
    ' Possible unsafe locking scenario:',
    '',
  ];
  // the table: each CPU takes what its task holds, then, last CPU first, tries what it waits for
  const width = 24;
  const col = (i: number, text: string) => ' '.repeat(i === 0 ? 2 : 7 + i * width) + text;
  lines.push(
    ' '.repeat(7) +
      rows
        .map((r, i) => `CPU${i}`.padEnd(width))
        .join('')
        .trimEnd(),
  );
  lines.push(
    ' '.repeat(7) +
      rows
        .map(() => '----'.padEnd(width))
        .join('')
        .trimEnd(),
  );
  rows.forEach((r, i) => r.held && lines.push(col(i, `${op(r.held.read, r.held.key)};`)));
  [...rows.keys()].reverse().forEach((i) => lines.push(col(i, `${op(rows[i].wants.read, rows[i].wants.key)};`)));
  lines.push('', ' *** DEADLOCK ***');
  return lines.join('\n');
}
