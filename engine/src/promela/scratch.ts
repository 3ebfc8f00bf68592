// The variables of a Promela process's steps: the pc's type, and its scratch variables, declared
// where used and zeroed once dead (compile.ts).

/** The smallest type for a step machine's pc. */
export const pcType = (steps: { pc: number }[]) => (steps.every((s) => s.pc < 255) ? 'byte' : 'short');

const declName = (d: string) => /(\w+)(?:\[[^\]]*\])?;$/.exec(d.trim())![1];

export const RESET = '@@reset@@';

/**
 * The scratch variables a process's code uses (a smaller state vector for Spin), and the code
 * with RESET replaced by their zeroing: a process's scratch is dead once its step ends, and a
 * stale value would split Spin's states where the engine's are one.
 */
export function scratch(decls: string[], code: string[]): { decls: string[]; code: string[] } {
  const text = code.join('\n');
  const used = decls.filter((d) => new RegExp(`\\b${declName(d)}\\b`).test(text));
  const zero: string[] = [];
  let loop = false;
  for (const d of used) {
    const m = /(\w+)\[(\w+)\];$/.exec(d.trim());
    if (m) {
      loop = true;
      zero.push(`z = 0; do :: z < ${m[2]} -> ${m[1]}[z] = 0; z++ :: else -> break od; z = 0`);
    } else zero.push(`${declName(d)} = 0`);
  }
  return {
    decls: loop ? [...used, '  byte z;'] : used,
    code: code.map((l) => l.split(RESET).join(zero.join('; ') || 'skip')),
  };
}
