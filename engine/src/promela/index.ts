// Promela export of a scenario: the same IR and leaf models, the same properties, as a model
// Spin can check on its own (`spin -a`, `gcc pan.c`, `./pan`). Pure: returns the text.

import type { Registry } from '../model';
import { defaultRegistry } from '../models';
import type { Scenario } from '../scenario';
import { Part } from './compile';
import type { Sizes } from './encode';
import { NONE, W } from './encode';
import { ExportError } from './errors';
import { LOCK_GLOBALS, LOCK_PROPERTIES } from './locks';

export { ExportError } from './errors';

const GLOBALS = (z: Sizes) => `
#define NCPU ${z.NCPU}
#define NOBJ ${z.NOBJ}
#define NSLAB ${z.NSLAB}
#define NSHEAF ${z.NSHEAF}
#define QLEN ${z.NCB}
#define NTHR ${z.NTHR}
#define NWORK ${z.NWORK}
#define NLOCK ${z.NLOCK}
#define NONE ${NONE}

/* object places (owhere): ${Object.entries(W)
  .map(([k, v]) => `${v} ${k}`)
  .join(', ')} */
byte owhere[NOBJ]; byte oarg[NOBJ]; hidden byte oslab[NOBJ];
short sinuse[NSLAB]; hidden byte sobjects[NSLAB]; bool sfrozen[NSLAB]; bool sdisc[NSLAB];
byte shobj[NSHEAF * NOBJ]; byte shn[NSHEAF]; byte nsh;
byte pmain[NCPU]; byte pspare[NCPU]; byte prcu[NCPU];
byte cslab[NCPU]; int cfl[NCPU]; byte ctid[NCPU];
byte cbq[NCPU * QLEN]; byte cbrd[NCPU * QLEN * NTHR]; byte cbn[NCPU];
byte queued[NCPU]; byte completed[NCPU];
byte rdepth[NTHR]; byte repoch[NTHR];
bool wpend[NWORK * NCPU]; byte wfn[NWORK * NCPU];
byte irq[NCPU];
${z.HOTPLUG ? 'bool online[NCPU]; byte kon[NWORK * NCPU]; byte wunb[NWORK * NCPU]; byte cbqon[NCPU * QLEN];\n' : ''}${LOCK_GLOBALS}
short refcount;
byte live;
/* properties: set, then asserted false, where the engine calls violate() */
bool double_free; bool objects_remaining; bool lost_free; bool leak; ${LOCK_PROPERTIES.map((p) => `bool ${p};`).join(' ')}
`;

const maxSizes = (parts: Part[]): Sizes => {
  const z = { ...parts[0].sizes };
  for (const p of parts) for (const k of Object.keys(z) as (keyof Sizes)[]) z[k] = Math.max(z[k], p.sizes[k]);
  return z;
};

const header = (what: string) => `/* slablens Promela export: ${what}.
   Check it: spin -a model.pml && gcc -O1 -DSAFETY -o pan pan.c && ./pan -m1000000
   An assertion names the property (objects_remaining, double_free, lost_free, leak,
   bad_unlock_balance, lockdep_assert);
   "invalid end state" is a deadlock (a task that can never move again). */`;

/** One scenario as a Promela model. Throws ExportError for anything it cannot translate. */
export function exportPromela(sc: Scenario, registry: Registry = defaultRegistry()): string {
  const p = new Part(sc, registry, '');
  return [
    header(
      `${sc.id}, ${sc.ncpus} CPUs, ${
        Object.entries(sc.config)
          .filter(([, v]) => v)
          .map(([k]) => k)
          .join(' ') || 'no config options'
      }`,
    ),
    GLOBALS(p.sizes),
    ...p.globals,
    '',
    ...p.procs,
    '',
    'init {',
    '  atomic {',
    ...p.init.map((l) => `    ${l};`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Several scenarios in one model, one pan binary: the environment variable SLABLENS_PART picks
 * which one `init` starts (for the differential test, which would otherwise compile pan per
 * program).
 */
export function exportPromelaBatch(scs: Scenario[], registry: Registry = defaultRegistry()): string {
  const parts = scs.map((sc, i) => new Part(sc, registry, `g${i}_`));
  const proctypes = parts.reduce((n, p) => n + p.procs.filter((l) => l.startsWith('proctype ')).length, 1);
  if (proctypes > 250)
    throw new ExportError(
      `not exportable in one model: ${proctypes} proctypes (Spin allows 255); fewer scenarios per batch`,
    );
  const branches = parts.map((p, i) =>
    [`  :: sel == ${i} -> atomic {`, ...p.init.map((l) => `      ${l};`), '    }'].join('\n'),
  );
  return [
    header(`${scs.length} scenarios; SLABLENS_PART=i picks one`),
    GLOBALS(maxSizes(parts)),
    'byte sel;',
    ...parts.flatMap((p) => p.globals),
    '',
    ...parts.flatMap((p) => p.procs),
    '',
    'init {',
    '  c_code { now.sel = getenv("SLABLENS_PART") ? atoi(getenv("SLABLENS_PART")) : 0; };',
    '  if',
    ...branches,
    '  fi',
    '}',
    '',
  ].join('\n');
}
