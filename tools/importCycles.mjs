// The import graph of our TypeScript (type-only imports count: they tie the files as tightly for
// a reader) and its cycles. `node tools/importCycles.mjs` exits 1 and names each cycle, file by
// file, when there is one; `npm run lint` runs it.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && !f.endsWith('.d.ts') && fs.existsSync(path.join(root, f)));

/** The files of ours a file imports (relative specifiers resolved as TypeScript does: x.ts, x/index.ts). */
function importsOf(file) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
  const out = [];
  for (const s of specs) {
    if (!s.startsWith('.')) continue;
    const base = path.join(path.dirname(file), s);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(path.join(root, c)));
    if (hit) out.push(hit.split(path.sep).join('/'));
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

// Tarjan's strongly connected components: each component of more than one file is a cycle.
let index = 0;
const stack = [];
const on = new Set();
const idx = new Map();
const low = new Map();
const cycles = [];
function connect(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp);
  }
}
for (const f of graph.keys()) if (!idx.has(f)) connect(f);

/** One path around a component, for the message: a → b → … → a. */
function loop(comp) {
  const inComp = new Set(comp);
  const start = comp.sort()[0];
  const seen = new Set([start]);
  const trail = [start];
  for (;;) {
    const next = graph.get(trail.at(-1)).find((w) => inComp.has(w) && (w === start || !seen.has(w)));
    if (!next || next === start) return [...trail, start];
    seen.add(next);
    trail.push(next);
  }
}

if (cycles.length) {
  for (const c of cycles) console.error(`import cycle (${c.length} files): ${loop(c).join(' → ')}`);
  console.error(
    `${cycles.length} import cycle(s): a module must not import, directly or through others, a module that imports it.`,
  );
  process.exit(1);
}
console.log(`import graph: ${graph.size} files, no cycles`);
