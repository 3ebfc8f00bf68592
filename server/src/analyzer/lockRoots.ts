// Where the lock rules start walking besides the entry points: the callbacks the C registers
// (cpuhp states, work items, RCU callbacks, IPIs, memory hotplug notifiers), found in its text.

// --- roots --------------------------------------------------------------------------------------

export interface Registration {
  fn: string;
  kind: 'cpuhp' | 'work' | 'rcu' | 'ipi' | 'memory-notifier';
  teardown?: boolean;
}

/** Callbacks the C registers: cpuhp_setup_state*(), INIT_WORK/DECLARE_WORK, call_rcu, IPIs. */
export function registrations(text: string): Registration[] {
  const out: Registration[] = [];
  const id = '([A-Za-z_]\\w*)';
  for (const m of text.matchAll(/\bcpuhp_setup_state\w*\s*\(([^;]*?)\)\s*;/g)) {
    // (state, "name", startup, teardown): both run with cpu_hotplug_lock held for write
    const args = m[1].split(',').map((s) => s.trim());
    args.slice(2, 4).forEach((a, i) => {
      if (/^[A-Za-z_]\w*$/.test(a) && a !== 'NULL') out.push({ fn: a, kind: 'cpuhp', teardown: i === 1 });
    });
  }
  // memory/node hotplug notifiers run inside mem_hotplug_begin()/mem_hotplug_done() (offline_pages(),
  // online_pages()), and mem_hotplug_begin() takes cpus_read_lock() first
  for (const m of text.matchAll(
    new RegExp(
      `\\b(?:hotplug_memory_notifier|hotplug_node_notifier|register_memory_notifier|register_node_notifier)\\s*\\(\\s*&?${id}`,
      'g',
    ),
  ))
    out.push({ fn: m[1], kind: 'memory-notifier' });
  for (const m of text.matchAll(
    new RegExp(
      `\\b(?:INIT_WORK|INIT_DELAYED_WORK|INIT_RCU_WORK|DECLARE_WORK|DECLARE_DELAYED_WORK)\\s*\\([^,;]+,\\s*${id}\\s*\\)`,
      'g',
    ),
  ))
    out.push({ fn: m[1], kind: 'work' });
  for (const m of text.matchAll(
    new RegExp(`\\b(?:call_rcu|call_rcu_hurry|call_srcu)\\s*\\([^;]*?,\\s*${id}\\s*\\)`, 'g'),
  ))
    out.push({ fn: m[1], kind: 'rcu' });
  for (const m of text.matchAll(
    new RegExp(
      `\\b(?:on_each_cpu|on_each_cpu_mask|on_each_cpu_cond|smp_call_function_single|smp_call_function)\\s*\\([^;]*?\\b${id}\\s*,`,
      'g',
    ),
  )) {
    if (!/^(cpu|NULL|true|false)$/.test(m[1])) out.push({ fn: m[1], kind: 'ipi' });
  }
  return out;
}
