// Checks the footprints dpor relies on, over every reachable state of a scenario: two steps
// of different tasks that dpor takes as independent must commute and must not enable or
// disable each other; two it takes as never enabled together (races() false on a dependent
// pair) must commute whenever they are.

import { machineFor, stateKey } from '../src';
import type { Scenario } from '../src';
import type { State } from '../src/state';
import { dependent, Footprint, orderedAfter, races } from '../src/model';

export function independenceViolations(sc: Scenario): string[] {
  const m = machineFor(sc);
  const seen = new Set<string>();
  const bad = new Set<string>();
  const stack: State[] = [m.initial()];
  const show = (id: string, fp: Footprint) => `${id} ${JSON.stringify({ r: fp.r, w: fp.w })}`;
  while (stack.length) {
    const s = stack.pop()!;
    const k = stateKey(s);
    if (seen.has(k)) continue;
    seen.add(k);
    const en = m.enabled(s);
    const fps = new Map<string, Footprint>();
    for (const t of s.tasks) {
      const fp = t.done ? null : m.footprint(s, t);
      if (fp) fps.set(t.id, fp);
    }
    const next = new Map(en.map((p) => [p, m.step(s, p).state]));
    stack.push(...next.values());
    const commute = (p: string, q: string) =>
      stateKey(m.step(next.get(p)!, q).state) === stateKey(m.step(next.get(q)!, p).state);
    for (const p of en) {
      const fp = fps.get(p)!;
      for (const [q, fq] of fps) {
        if (q === p) continue;
        const qOn = en.includes(q);
        if (dependent(fp, fq)) {
          if (!races(fp, fq) && qOn && !commute(p, q))
            bad.add(
              `${show(p, fp)} and ${show(q, fq)} are taken as never enabled together, but are and do not commute`,
            );
          continue;
        }
        const tq = next.get(p)!.tasks.find((t) => t.id === q)!;
        if (qOn !== m.isEnabled(next.get(p)!, tq)) {
          if (!orderedAfter(fp, fq))
            bad.add(`${show(p, fp)} changes whether ${show(q, fq)} can run, with no dependence`);
        } else if (qOn && !commute(p, q))
          bad.add(`${show(p, fp)} and ${show(q, fq)} are taken as independent but do not commute`);
      }
    }
  }
  return [...bad];
}
