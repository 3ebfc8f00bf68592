// Shared by the series tests: where the real thread and mbox live (read from ../shared by path,
// never copied), our fixture series and tree, and small helpers.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Series } from '../src/series';

export const ROOT = path.resolve(__dirname, '../../..');
export const SEED = path.resolve(ROOT, '../shared/seed/000_8cd25ffe23bae77f.txt');
export const V3 = path.resolve(ROOT, '../shared/data/sheaves-v3.mbox');
export const KERNEL = path.join(ROOT, 'server/fixtures/kernel');
export const FX = path.join(ROOT, 'server/fixtures/series');

export function shared(file: string): { skip: string | false } {
  if (fs.existsSync(file)) return { skip: false };
  const why = `MISSING ${file}: tests on the real thread are SKIPPED`;
  process.stderr.write(`\n*** ${why} ***\n`);
  return { skip: why };
}

export const who = (s: Series, id: string | undefined): string => {
  if (!id) return '-';
  const r = s.replies.find((x) => x.messageId === id);
  if (r) return `${r.from.name} ${r.date}`;
  const p = s.patches.find((x) => x.messageId === id);
  if (p) return `patch ${p.number}`;
  return s.cover?.messageId === id ? 'cover' : '?';
};

export function hashDir(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
  return h.digest('hex');
}
