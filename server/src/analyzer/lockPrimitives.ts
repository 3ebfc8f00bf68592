// The kernel's lock primitives as lockdep sees them (acquire, release, assert; read or write;
// trylock), and what the lock rules report. Shared by the body reader (lockOps.ts), the walk
// (lockdep.ts) and the findings (lockFindings.ts).

export type LockMode = 'write' | 'read';

/** What a kernel lock primitive does (its contract, as lockdep sees it). */
export interface LockPrimitive {
  op: 'acquire' | 'release' | 'assert';
  mode: LockMode;
  /** a trylock: it never waits, so taking it adds no dependency towards it */
  try?: boolean;
  /** the lock is cpu_hotplug_lock, not the first argument */
  hotplug?: boolean;
}

export const CPU_HOTPLUG_LOCK = 'cpu_hotplug_lock';

const P = (op: LockPrimitive['op'], mode: LockMode = 'write', extra: Partial<LockPrimitive> = {}): LockPrimitive => ({
  op,
  mode,
  ...extra,
});

/** Lock primitives by C name. Anything else named like a lock is reported as not modelled. */
export const LOCK_PRIMITIVES: ReadonlyMap<string, LockPrimitive> = new Map<string, LockPrimitive>([
  ...['mutex_lock', 'mutex_lock_nested', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_io'].map(
    (n) => [n, P('acquire')] as const,
  ),
  ['mutex_trylock', P('acquire', 'write', { try: true })],
  ['mutex_unlock', P('release')],
  ...[
    'spin_lock',
    'spin_lock_nested',
    'spin_lock_irq',
    'spin_lock_bh',
    'spin_lock_irqsave',
    'spin_lock_irqsave_nested',
    'raw_spin_lock',
    'raw_spin_lock_nested',
    'raw_spin_lock_irq',
    'raw_spin_lock_bh',
    'raw_spin_lock_irqsave',
    'local_lock',
    'local_lock_irq',
    'local_lock_irqsave',
    'local_lock_nested_bh',
    'write_lock',
    'write_lock_irq',
    'write_lock_irqsave',
    'write_lock_bh',
    'down_write',
    'down_write_nested',
    'down_write_killable',
    'percpu_down_write',
  ].map((n) => [n, P('acquire')] as const),
  ...[
    'read_lock',
    'read_lock_irq',
    'read_lock_irqsave',
    'read_lock_bh',
    'down_read',
    'down_read_nested',
    'down_read_killable',
    'percpu_down_read',
  ].map((n) => [n, P('acquire', 'read')] as const),
  ...[
    'spin_trylock',
    'spin_trylock_irq',
    'spin_trylock_irqsave',
    'raw_spin_trylock',
    'raw_spin_trylock_irqsave',
    'local_trylock',
    'local_trylock_irqsave',
    'down_write_trylock',
    'write_trylock',
  ].map((n) => [n, P('acquire', 'write', { try: true })] as const),
  ...['down_read_trylock', 'read_trylock', 'percpu_down_read_trylock'].map(
    (n) => [n, P('acquire', 'read', { try: true })] as const,
  ),
  ...[
    'spin_unlock',
    'spin_unlock_irq',
    'spin_unlock_bh',
    'spin_unlock_irqrestore',
    'raw_spin_unlock',
    'raw_spin_unlock_irq',
    'raw_spin_unlock_bh',
    'raw_spin_unlock_irqrestore',
    'local_unlock',
    'local_unlock_irq',
    'local_unlock_irqrestore',
    'local_unlock_nested_bh',
    'read_unlock',
    'read_unlock_irq',
    'read_unlock_irqrestore',
    'read_unlock_bh',
    'write_unlock',
    'write_unlock_irq',
    'write_unlock_irqrestore',
    'write_unlock_bh',
    'up_read',
    'up_write',
    'percpu_up_read',
    'percpu_up_write',
  ].map((n) => [n, P('release')] as const),
  ['cpus_read_lock', P('acquire', 'read', { hotplug: true })],
  ['get_online_cpus', P('acquire', 'read', { hotplug: true })],
  ['cpus_read_trylock', P('acquire', 'read', { hotplug: true, try: true })],
  ['cpus_read_unlock', P('release', 'read', { hotplug: true })],
  ['put_online_cpus', P('release', 'read', { hotplug: true })],
  ['cpus_write_lock', P('acquire', 'write', { hotplug: true })],
  ['cpus_write_unlock', P('release', 'write', { hotplug: true })],
  ...['lockdep_assert_held', 'lockdep_assert_held_once', 'lockdep_assert_held_write'].map(
    (n) => [n, P('assert')] as const,
  ),
  ['lockdep_assert_held_read', P('assert', 'read')],
  ['lockdep_assert_cpus_held', P('assert', 'read', { hotplug: true })],
]);

/** Calls that run something on a given CPU: inside for_each_online_cpu they need that CPU to stay online. */
export const ON_CPU_CALLS = new Set([
  'queue_work_on',
  'queue_delayed_work_on',
  'mod_delayed_work_on',
  'schedule_work_on',
  'schedule_delayed_work_on',
  'smp_call_function_single',
  'smp_call_function_single_async',
  'work_on_cpu',
]);

/** Named like a lock operation but not in LOCK_PRIMITIVES: reported as not modelled. */
export const LOCKISH = /^(?:\w+_)?(?:(?:try)?lock|unlock)(?:_\w+)?$|^(?:down|up)_(?:read|write)\w*$/;
export const NOT_LOCKS =
  /^(lockdep_\w+|\w*_lock_init|\w+_is_locked|spin_lock_init|mutex_init|\w*lockdep\w*|local_lock_init|rcu_read_(un)?lock\w*|preempt_\w+|\w+_irq_(save|restore)|local_irq_\w+)$/;

export function isLockCall(name: string): boolean {
  return LOCK_PRIMITIVES.has(name) || name === 'guard' || name === 'scoped_guard';
}

// --- results ---------------------------------------------------------------------------------

/** One step of a chain: a function and a 0-based line in it (a call, or the lock operation). */
export interface Frame {
  fn: string;
  uri: string;
  line: number;
  what: string;
}

/** A lock as held: its class (lockdep's: the expression with the instance abstracted), how, and where it was taken. */
export interface Held {
  key: string;
  name: string;
  mode: LockMode;
  try: boolean;
  chain: Frame[];
}

export interface LockChain {
  /** the lock held and the lock taken under it */
  held: string;
  heldMode: LockMode;
  taken: string;
  takenMode: LockMode;
  /** where the held lock was taken (root first) */
  heldAt: Frame[];
  /** where the other lock was taken while it was held (root first) */
  takenAt: Frame[];
}

export interface LockFinding {
  rule: 'lock-order' | 'hotplug';
  message: string;
  function: string;
  uri: string;
  /** 0-based */
  line: number;
  /** call paths (function names, root first): a lock-order finding has one per dependency of the cycle; hotplug: the unprotected paths */
  paths: string[][];
  locks: string[];
  /** lock-order: one chain per dependency of the cycle */
  chains?: LockChain[];
  /** hotplug: paths on which cpu_hotplug_lock is held (some callers hold it, others not) */
  protectedPaths?: string[][];
  /** lines to show as related information: each chain's steps */
  related: { uri: string; line: number; message: string }[];
}

export interface NotModelledLock {
  fn: string;
  uri: string;
  line: number;
  call: string;
}

/** The locks held on entry of a function along one path (for hover). */
export interface PathLocks {
  path: string[];
  held: string[][];
}

export interface LockReport {
  findings: LockFinding[];
  notModelled: NotModelledLock[];
  /** how many contexts (function + locks held on entry) were analysed */
  contexts: number;
  roots: { fn: string; kind: 'entry' | 'uncalled' | 'cpuhp' | 'work' | 'rcu' | 'ipi' | 'memory-notifier' }[];
  /** dependencies found: "A -> B" */
  dependencies: string[];
  /** locks held at each function's entry, per path from a root (bounded) */
  pathLocks(fn: string, max?: number): PathLocks[];
}
