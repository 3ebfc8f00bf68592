// Primitives of interpreted C over lists, pointer arrays, bits and counters: list operations on
// the modelled lists (node partial list, barn sheaves) and on local ones (LIST_HEAD), memcpy of
// pointer arrays, min/max, SL_partial in slab->flags, and the node's atomic slab counters.

import type { CCtx, CPrimitive } from './cctx';
import { LIST_ENTRIES } from './cmem';
import { CONSTANTS, CVal, isRef, splitRef } from './heap';
import { ModelError } from './modelError';

/** sizeof(void *): what the lowering gives sizeof of a pointer type */
export const PTR_SIZE = 8;
export const num = (v: CVal): number => (v === null ? 0 : typeof v === 'number' ? v : NaN);

// ---- local list heads: LIST_HEAD(name) is a local holding its entries ("slab:1,slab:2") -------------

/** the local a list head address names ("local:discard"), if it is a local list */
const localHead = (head: CVal): string | undefined =>
  isRef(head) && /^local:\w+$/.test(head) ? head.slice(6) : undefined;

function localEntries(c: CCtx, name: string): string[] {
  const v = c.local(name);
  if (!v || typeof v !== 'object' || !(LIST_ENTRIES in v))
    throw new ModelError(`not modelled: ${name} is no LIST_HEAD() list at line ${c.line + 1}`);
  const l = v[LIST_ENTRIES];
  return typeof l === 'string' && l ? l.split(',') : [];
}

const setLocalEntries = (c: CCtx, name: string, xs: string[]) => c.local(name, { [LIST_ENTRIES]: xs.join(',') });

const entriesOf = (c: CCtx, head: CVal): string[] => {
  const local = localHead(head);
  return local ? localEntries(c, local) : c.heap.entries(head, c.line);
};

export const MEM_PRIMS: CPrimitive[] = [
  // lists: modelled heads (node partial list, barn sheaves) and local ones (LIST_HEAD) -------
  {
    name: 'list_del',
    kind: 'primitive',
    contract: 'unlinks the entry from its list',
    run: (c, args) => (c.heap.listDel(args[0], c.line), 0),
  },
  {
    name: 'list_del_init',
    kind: 'primitive',
    contract: 'unlinks the entry from its list',
    run: (c, args) => (c.heap.listDel(args[0], c.line), 0),
  },
  ...(['list_add', 'list_add_tail'] as const).map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    contract: `links the entry into the list (${name === 'list_add' ? 'first' : 'last'}); onto a local list only an entry that is on no list`,
    run: (c, args) => {
      const local = localHead(args[1]);
      if (!local) return (c.heap.listAdd(args[0], args[1], c.line), 0);
      const e = c.heap.checkDetached(args[0], c.line);
      const xs = localEntries(c, local);
      setLocalEntries(c, local, name === 'list_add' ? [e, ...xs] : [...xs, e]);
      return 0;
    },
  })),
  {
    name: 'list_splice_init',
    kind: 'primitive',
    contract: 'moves every entry of a modelled list (barn sheaves, node partial list) to the front of a local list',
    run: (c, args) => {
      const local = localHead(args[1]);
      if (!local)
        throw new ModelError(`not modelled: list_splice_init() into ${String(args[1])} at line ${c.line + 1}`);
      setLocalEntries(c, local, [...c.heap.spliceOut(args[0], c.line), ...localEntries(c, local)]);
      return 0;
    },
  },
  {
    name: '__list_entries',
    kind: 'primitive',
    contract:
      'list_for_each_entry(_safe): the entries of a modelled list (node partial list, barn sheaves) or a local one, taken when the loop starts',
    run: (c, args) => entriesOf(c, args[0]).join(','),
  },
  {
    name: 'list_empty',
    kind: 'primitive',
    contract: 'whether a modelled or local list has no entries',
    run: (c, args) => (entriesOf(c, args[0]).length ? 0 : 1),
  },
  {
    name: 'memcpy',
    kind: 'primitive',
    contract:
      "copies n bytes of pointers (n / sizeof(void *) elements) between pointer arrays: a sheaf's objects[] and a local array",
    run: (c, args) => {
      const n = num(args[2]);
      if (n % PTR_SIZE)
        throw new ModelError(`not modelled: memcpy of ${n} bytes (not whole pointers) at line ${c.line + 1}`);
      for (let k = 0; k < n / PTR_SIZE; k++)
        c.mem.store(c.mem.offset(args[0], k, c.line), c.mem.load(c.mem.offset(args[1], k, c.line), c.line), c.line);
      return args[0];
    },
  },
  ...(['min', 'max'] as const).map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    pure: true,
    contract: `include/linux/minmax.h: the ${name === 'min' ? 'smaller' : 'larger'} of two numbers`,
    run: (c, args) => {
      const [a, b] = args.map(num);
      if (Number.isNaN(a) || Number.isNaN(b))
        throw new ModelError(`not modelled: ${name}() of a non-number at line ${c.line + 1}`);
      return name === 'min' ? Math.min(a, b) : Math.max(a, b);
    },
  })),
  ...(['test_bit', 'set_bit', 'clear_bit'] as const).map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    contract:
      "SL_partial in slab->flags.f: set exactly while the slab is on its node's partial list, which the list operations decide; test_bit reads that, set_bit/clear_bit change nothing more",
    run: (c, args) => {
      const m = isRef(args[1]) ? /^slab:(\d+)\/flags\/f$/.exec(args[1]) : null;
      if (!m || args[0] !== CONSTANTS.SL_partial)
        throw new ModelError(`not modelled: ${name}(${String(args[0])}, ${String(args[1])}) at line ${c.line + 1}`);
      if (name !== 'test_bit') return 0;
      const sl = c.s.slabs[Number(m[1])];
      return c.heap.partial(sl.node).includes(sl.id) ? 1 : 0;
    },
  })),
  ...(['atomic_long_inc', 'atomic_long_dec', 'atomic_long_add', 'atomic_long_sub'] as const).map(
    (name): CPrimitive => ({
      name,
      kind: 'primitive',
      contract:
        "n->nr_slabs, n->total_objects: counts the model derives from the node's slabs (a slab counts until free_slab()), so updating them changes nothing",
      run: (c, args) => {
        const target = String(args[name.endsWith('inc') || name.endsWith('dec') ? 0 : 1]);
        if (!/^node:\d+\/(nr_slabs|total_objects)$/.test(target))
          throw new ModelError(`not modelled: ${name}() on ${target} at line ${c.line + 1}`);
        return 0;
      },
    }),
  ),
  {
    name: 'atomic_long_read',
    kind: 'primitive',
    contract: "atomic_long_read(&n->nr_slabs): the node's slabs not yet freed",
    run: (c, args) => {
      const r = splitRef(String(args[0]));
      if (r.kind === 'node' && r.member === 'nr_slabs') {
        c.s.slabs.forEach((sl) => c.heap.read(`slab:${sl.id}`));
        return c.s.slabs.filter((sl) => sl.node === Number(r.id) && !sl.discarded).length;
      }
      throw new ModelError(`not modelled: atomic_long_read(${String(args[0])}) at line ${c.line + 1}`);
    },
  },
];
