// Size: 689 lines with comments, 590 of code (eslint counts code, at most 600): one field view per kernel struct, all over the same allocator state.
// The heap that interpreted C sees: the allocator state (state.ts) viewed as kernel objects with
// the fields the C touches. A pointer is a reference string naming the object ("sheaf:3",
// "pcs:1", "kcc:0" for struct kmem_cache_cpu, "slab:2", "obj:4", "node:0", "barn:0", "cache"),
// an embedded member is "<object>/<member>" ("sheaf:3/rcu_head", "sfw:slub_flush@1/work"), an
// element pointer is "<object>/objects[i]", NULL is null. Only fields some function on the
// scenarios' paths touches exist (HEAP_FIELDS); the language server checks every `->field` the
// C uses against the struct definitions in the C and against this table before it hands a body
// to the engine. The state stays canonical: a sheaf's size is the length of its object list,
// free pointers live in the freelists' order, list membership is derived from the slabs.
//
// Every access records a footprint key, the same keys the hand models use (pcs:c, c:c, slab:id,
// barn, quarantine:c), plus sheaf:id for a sheaf's own fields.

import { CStruct, CVal, isRef, splitRef } from './cref';
import { GLOBALS, isKrcList, KRC_CONSTANTS, KRC_FIELDS, krcField, krcOffset } from './krc';
import { counterBits, packCounters } from './clocal';
import { ModelError } from './modelError';

export { isRef, splitRef };
export type { CStruct, CVal };
import type { State, Where } from './state';

/** The struct types the heap maps, with the fields that exist (a field no function touches need not). */
export const HEAP_FIELDS: Record<string, string[]> = {
  kmem_cache: ['cpu_sheaves', 'cpu_slab', 'sheaf_capacity', 'refcount', 'flags', 'name', 'node', 'min_partial'],
  slub_percpu_sheaves: ['lock', 'main', 'spare', 'rcu_free'],
  slab_sheaf: ['rcu_head', 'barn_list', 'cache', 'size', 'node', 'capacity', 'objects'],
  kmem_cache_cpu: ['freelist', 'tid', 'freelist_tid', 'slab', 'lock', 'partial'],
  slab: ['slab_cache', 'slab_list', 'freelist', 'inuse', 'objects', 'frozen', 'next', 'flags', 'counters'],
  kmem_cache_node: ['list_lock', 'nr_partial', 'partial', 'nr_slabs', 'total_objects', 'barn'],
  node_barn: ['lock', 'sheaves_full', 'sheaves_empty', 'nr_full', 'nr_empty'],
  slub_flush_work: ['work', 's', 'skip'],
  ...KRC_FIELDS,
};

/** Kernel constants the interpreted C may name (enumerators and object-like macros). */
export const CONSTANTS: Record<string, number> = {
  // next_tid(): tid + TID_STEP; one step per CPU is enough, the cmpxchg compares this CPU's c only
  TID_STEP: 1,
  _RET_IP_: 0,
  _THIS_IP_: 0,
  true: 1,
  false: 0,
  NUMA_NO_NODE: -1,
  // mm/slub.c's bound on sheaf_flush_main()'s on-stack batch (#define PCS_BATCH_MAX 32U)
  PCS_BATCH_MAX: 32,
  // enum slab_flags: the bit that mirrors a slab's place on its node's partial list
  SL_partial: 0,
  // the bit of slab_lock(): a bit spinlock in slab->flags (mm/slab.h)
  SL_locked: 1,
  // enum add_mode of mm/slub.c
  ADD_TO_HEAD: 0,
  ADD_TO_TAIL: 1,
  // the model's caches have no __CMPXCHG_DOUBLE: slab_update_freelist() takes the slab_lock()
  // path with irqs off, which updates the (freelist, counters) pair as atomically as the cmpxchg
  __CMPXCHG_DOUBLE: 1 << 30,
  DEACTIVATE_TO_HEAD: 0,
  DEACTIVATE_TO_TAIL: 1,
  GFP_KERNEL: 0,
  GFP_NOWAIT: 0,
  SLAB_TYPESAFE_BY_RCU: 1 << 0,
  SLAB_KMALLOC: 1 << 1,
  SLAB_NO_OBJ_EXT: 1 << 2,
  SLAB_HWCACHE_ALIGN: 1 << 3,
  SLAB_RED_ZONE: 1 << 4,
  SLAB_POISON: 1 << 5,
  SLAB_STORE_USER: 1 << 6,
  SLAB_CONSISTENCY_CHECKS: 1 << 7,
  SLAB_NO_MERGE: 1 << 8,
  ...KRC_CONSTANTS,
};
export { GLOBALS };
const FLAG_BITS = Object.fromEntries(Object.entries(CONSTANTS).filter(([k]) => k.startsWith('SLAB_')));

const elemRe = /^(.*)\/objects\[(-?\d+)\]$/;

/**
 * The kernel's static bootstrap_sheaf: init_percpu_sheaves() installs it as every pcs->main, so
 * the C may take pcs->main as always valid. A pcs without a main sheaf in the state points to it:
 * size 0, NULL cache, never modified.
 */
export const BOOTSTRAP_SHEAF = 'sheaf:bootstrap';

/** What one step did to the heap: its footprint, and the parts of the state it keeps canonical at commit. */
export class HeapStep {
  readonly r = new Set<string>();
  readonly w = new Set<string>();
  /** shared accesses so far in this step */
  shared = 0;
  /** sheaf id -> size written this step (the object list is cut to it at commit) */
  private sizes = new Map<number, number>();
  /** freelist owner ("kcc:0", "slab:1") -> head written this step */
  private heads = new Map<string, string | null>();
  /** object -> free pointer written this step */
  private fps = new Map<number, string | null>();
  /** counters written (checked against the lists they count at commit) */
  private counters = new Map<string, number>();
  /** the counters' values before this step's list operations (the C updates them separately) */
  private base = new Map<string, number>();
  touchedObjects = false;

  constructor(
    readonly s: State,
    readonly cpu: number,
    readonly violate: (property: string, message: string) => void,
  ) {}

  read(key: string): void {
    this.r.add(key);
    this.shared++;
  }
  write(key: string): void {
    this.w.add(key);
    this.shared++;
  }

  private sheaf(ref: string, what: string) {
    if (splitRef(ref).base === BOOTSTRAP_SHEAF)
      throw new ModelError(`not modelled: ${what} of the bootstrap sheaf (it is never modified or freed)`);
    const id = Number(splitRef(ref).id);
    const sh = this.s.sheaves[id];
    if (!sh) throw new ModelError(`no sheaf ${ref}`);
    if (sh.freed) {
      this.violate(
        'use after free',
        `use after free: ${what} of sheaf#${id}, which free_empty_sheaf()/kfree() already freed`,
      );
      throw new Halt();
    }
    return sh;
  }

  private slab(ref: string, what: string) {
    const sl = this.s.slabs[Number(splitRef(ref).id)];
    if (!sl) throw new ModelError(`no slab ${ref}`);
    if (sl.discarded) {
      this.violate('use after free', `use after free: ${what} of slab#${sl.id}, which discard_slab() already freed`);
      throw new Halt();
    }
    return sl;
  }

  sheafSize(id: number): number {
    return this.sizes.get(id) ?? this.s.sheaves[id].objects.length;
  }

  /** The head of a freelist as C sees it (c->freelist, slab->freelist). */
  head(owner: string): string | null {
    if (this.heads.has(owner)) return this.heads.get(owner)!;
    const l = this.list(owner);
    return l.length ? `obj:${l[0]}` : null;
  }

  private list(owner: string): number[] {
    const { kind, id } = splitRef(owner);
    return kind === 'kcc' ? this.s.cpuSlab[Number(id)].freelist : this.s.slabs[Number(id)].freelist;
  }

  /** get_freepointer(): the next object after `obj` on whatever freelist holds it. */
  nextFree(obj: number): string | null {
    if (this.fps.has(obj)) return this.fps.get(obj)!;
    const o = this.s.objects[obj];
    if (o.fp !== undefined) return o.fp;
    for (const l of [...this.s.cpuSlab.map((k) => k.freelist), ...this.s.slabs.map((sl) => sl.freelist)]) {
      const i = l.indexOf(obj);
      if (i >= 0) return i + 1 < l.length ? `obj:${l[i + 1]}` : null;
    }
    return null;
  }

  setFree(obj: number, next: string | null): void {
    this.fps.set(obj, next);
    this.touchedObjects = true;
  }

  private cacheField(f: string): CVal | undefined {
    const s = this.s;
    switch (f) {
      case 'cpu_sheaves':
        return s.cache.cpu_sheaves ? 'percpu:cpu_sheaves' : null;
      case 'cpu_slab':
        return 'percpu:cpu_slab';
      case 'sheaf_capacity':
        return s.cache.sheaf_capacity;
      case 'refcount':
        return s.cache.refcount;
      case 'flags':
        return s.cache.flags.reduce((m, n) => m | (FLAG_BITS[n] ?? 0), 0);
      case 'name':
        return `"${s.cache.name}`;
      case 'node':
        return 'nodes';
      case 'min_partial':
        return 5;
    }
    return undefined;
  }

  private sheafField(ref: string, base: string, f: string): CVal | undefined {
    if (base === BOOTSTRAP_SHEAF) {
      if (f === 'size' || f === 'node') return 0;
      if (f === 'cache') return null;
      if (f === 'capacity') return this.s.cache.sheaf_capacity;
      if (f === 'objects') return `${base}/objects[0]`;
      return undefined;
    }
    if (f === 'rcu_head' || f === 'barn_list') return `${base}/${f}`;
    if (f === 'cache') return 'cache';
    if (f === 'node') return 0;
    if (f === 'capacity') return this.s.cache.sheaf_capacity;
    const sh = this.sheaf(ref, `sheaf->${f}`);
    if (f === 'size') {
      this.read(`sheaf:${sh.id}`);
      return this.sheafSize(sh.id);
    }
    if (f === 'objects') return `${base}/objects[0]`;
    return undefined;
  }

  private kccField(base: string, member: string, c: number, f: string): CVal | undefined {
    const s = this.s;
    if (member === 'freelist_tid') return f === 'full' ? `${base}/freelist_tid` : undefined;
    if (f === 'lock' || f === 'freelist_tid') return `${base}/${f}`;
    this.read(`c:${c}`);
    if (f === 'freelist') return this.head(base);
    if (f === 'tid') return s.cpuSlab[c].tid;
    if (f === 'slab') return s.cpuSlab[c].slab === null ? null : `slab:${s.cpuSlab[c].slab}`;
    // the cpu partial list is not modelled: the scenarios start with none, and nothing adds one
    if (f === 'partial') return null;
    return undefined;
  }

  private slabField(ref: string, base: string, f: string, line: number): CVal | undefined {
    if (f === 'slab_cache') return 'cache';
    if (f === 'slab_list' || f === 'flags') return `${base}/${f}`;
    if (f === 'next') throw new ModelError(`not modelled: slab->next (the cpu partial list) at line ${line + 1}`);
    const sl = this.slab(ref, `slab->${f}`);
    this.read(`slab:${sl.id}`);
    if (f === 'freelist') return this.head(base);
    if (f === 'inuse') return sl.inuse;
    if (f === 'objects') return sl.objects;
    if (f === 'frozen') return sl.frozen ? 1 : 0;
    // the word of inuse, objects and frozen that __slab_free() swaps with the freelist (clocal.ts)
    if (f === 'counters') return packCounters(sl.inuse, sl.objects, sl.frozen);
    return undefined;
  }

  /** Read field `f` of the object `ref` points to. */
  get(ref: CVal, f: string, line: number): CVal {
    if (ref === null || ref === 0) {
      this.violate('NULL dereference', `NULL pointer dereference: ->${f} at line ${line + 1}`);
      throw new Halt();
    }
    if (!isRef(ref)) throw new ModelError(`not modelled: ->${f} of a non-pointer value at line ${line + 1}`);
    const { base, kind, id, member } = splitRef(ref);
    const s = this.s;
    const c = Number(id);
    if (kind === 'krc') {
      const v = krcField(ref, f);
      if (v !== undefined) return v;
      throw new ModelError(`not modelled: field ${f} of ${ref} at line ${line + 1}`);
    }
    if (member && !(kind === 'kcc' && member === 'freelist_tid')) {
      if (kind === 'percpu') return `${ref}/${f}`;
      // slab->flags.f: the word of the slab's flag bits (SL_partial), see test_bit() in cprims.ts
      if (kind === 'slab' && member === 'flags' && f === 'f') return `${ref}/f`;
      throw new ModelError(`not modelled: field ${f} of ${ref} at line ${line + 1}`);
    }
    switch (kind) {
      case 'cache': {
        const v = this.cacheField(f);
        if (v !== undefined) return v;
        break;
      }
      case 'percpu':
        return `${ref}/${f}`;
      case 'pcs':
        if (f === 'lock') return `${ref}/lock`;
        if (f === 'main' || f === 'spare' || f === 'rcu_free') {
          this.read(`pcs:${c}`);
          const v = s.pcs[c][f];
          if (v === null) return f === 'main' ? BOOTSTRAP_SHEAF : null;
          return `sheaf:${v}`;
        }
        break;
      case 'sheaf':
      case 'kcc':
      case 'slab': {
        const v =
          kind === 'sheaf'
            ? this.sheafField(ref, base, f)
            : kind === 'kcc'
              ? this.kccField(base, member, c, f)
              : this.slabField(ref, base, f, line);
        if (v !== undefined) return v;
        break;
      }
      case 'node':
        if (f === 'list_lock' || f === 'partial' || f === 'nr_slabs' || f === 'total_objects') return `${base}/${f}`;
        if (f === 'barn') return s.cache.cpu_sheaves ? `barn:${c}` : null;
        if (f === 'nr_partial')
          return (
            this.counters.get(`${base}/nr_partial`) ?? this.base.get(`${base}/nr_partial`) ?? this.partial(c).length
          );
        break;
      case 'barn':
        if (f === 'lock' || f === 'sheaves_full' || f === 'sheaves_empty') return `${base}/${f}`;
        if (f === 'nr_full' || f === 'nr_empty') {
          this.read('barn');
          return (
            this.counters.get(`${base}/${f}`) ??
            this.base.get(`${base}/${f}`) ??
            (f === 'nr_full' ? s.barn.full.length : s.barn.empty.length)
          );
        }
        break;
      case 'sfw':
        if (f === 'work') return `${base}/work`;
        if (f === 's') return 'cache';
        if (f === 'skip') return 0;
        break;
    }
    throw new ModelError(`not modelled: field ${f} of ${ref} at line ${line + 1}`);
  }

  /** A store to a struct kmem_cache_cpu field; false: not a field the heap maps. */
  private setKcc(
    base: string,
    c: number,
    f: string,
    v: CVal,
    refId: (x: CVal, want: string) => number | null,
  ): boolean {
    this.write(`c:${c}`);
    if (f === 'freelist') {
      this.heads.set(base, v === null || v === 0 ? null : String(v));
      this.touchedObjects = true;
    } else if (f === 'tid') this.s.cpuSlab[c].tid = Number(v);
    else if (f === 'slab') this.s.cpuSlab[c].slab = refId(v, 'slab');
    else return f === 'partial' && (v === null || v === 0);
    return true;
  }

  /** A store to a struct slab field; false: not a field the heap maps. */
  private setSlab(ref: string, base: string, f: string, v: CVal): boolean {
    const sl = this.slab(ref, `slab->${f}`);
    this.write(`slab:${sl.id}`);
    // a full slab is on no list: one the C frees into (__slab_free) joins the node's partial list
    // only when the C puts it there (add_partial), so it stays off the lists until then
    const wasFull = sl.inuse >= sl.objects && !sl.frozen && !sl.off && (f === 'inuse' || f === 'counters');
    // likewise a cpu slab the C unfreezes (deactivate_slab) is on no list until add_partial()
    const wasFrozen = sl.frozen;
    if (wasFull || wasFrozen) this.keepBase(sl.node);
    if (f === 'freelist') {
      this.heads.set(base, v === null || v === 0 ? null : String(v));
      this.touchedObjects = true;
    } else if (f === 'inuse') sl.inuse = Number(v);
    else if (f === 'frozen') sl.frozen = !!v;
    else if (f === 'counters') {
      if (typeof v !== 'number' || counterBits(v, 'objects') !== sl.objects) return false;
      sl.inuse = counterBits(v, 'inuse');
      sl.frozen = !!counterBits(v, 'frozen');
    } else return false;
    if ((wasFull || wasFrozen) && sl.inuse < sl.objects && !sl.frozen) sl.off = true;
    return true;
  }

  /** Write field `f` of the object `ref` points to. */
  set(ref: CVal, f: string, v: CVal, line: number): void {
    if (ref === null || ref === 0) {
      this.violate('NULL dereference', `NULL pointer dereference: ->${f} = … at line ${line + 1}`);
      throw new Halt();
    }
    if (!isRef(ref)) throw new ModelError(`not modelled: ->${f} of a non-pointer value at line ${line + 1}`);
    const { base, kind, id, member } = splitRef(ref);
    const s = this.s;
    const c = Number(id);
    const refId = (x: CVal, want: string): number | null => {
      if (x === null || x === 0) return null;
      if (!isRef(x) || splitRef(x).kind !== want || splitRef(x).member)
        throw new ModelError(`not modelled: storing ${String(x)} in ->${f} at line ${line + 1}`);
      return Number(splitRef(x).id);
    };
    if (!member) {
      switch (kind) {
        case 'pcs':
          if (f === 'main' || f === 'spare' || f === 'rcu_free') {
            this.write(`pcs:${c}`);
            s.pcs[c][f] = v === BOOTSTRAP_SHEAF && f === 'main' ? null : refId(v, 'sheaf');
            this.touchedObjects = true;
            return;
          }
          break;
        case 'sheaf':
          if (base === BOOTSTRAP_SHEAF && f === 'size' && v === 0) return;
          if (f === 'size') {
            const sh = this.sheaf(ref, 'sheaf->size');
            this.write(`sheaf:${sh.id}`);
            this.sizes.set(sh.id, Number(v));
            this.touchedObjects = true;
            return;
          }
          break;
        case 'kcc':
          if (this.setKcc(base, c, f, v, refId)) return;
          break;
        case 'slab':
          if (this.setSlab(ref, base, f, v)) return;
          break;
        case 'node':
          if (f === 'nr_partial') {
            this.counters.set(`${base}/nr_partial`, Number(v));
            return;
          }
          break;
        case 'barn':
          if (f === 'nr_full' || f === 'nr_empty') {
            this.write('barn');
            this.counters.set(`${base}/${f}`, Number(v));
            return;
          }
          break;
      }
    }
    throw new ModelError(`not modelled: assignment to field ${f} of ${ref} at line ${line + 1}`);
  }

  /** Element pointer arithmetic: "sheaf:3/objects[0]" + i. */
  offset(p: CVal, i: number, line: number): string {
    const krc = krcOffset(p, i, line);
    if (krc) return krc;
    const m = isRef(p) ? elemRe.exec(p) : null;
    if (!m) throw new ModelError(`not modelled: pointer arithmetic on ${String(p)} at line ${line + 1}`);
    return `${m[1]}/objects[${Number(m[2]) + i}]`;
  }

  /** *p for an element pointer: sheaf->objects[i]. */
  load(p: CVal, line: number): CVal {
    const m = isRef(p) ? elemRe.exec(p) : null;
    if (!m) throw new ModelError(`not modelled: *${String(p)} at line ${line + 1}`);
    const sh = this.sheaf(m[1], 'sheaf->objects[]');
    const i = Number(m[2]);
    this.read(`sheaf:${sh.id}`);
    if (i < 0 || i >= sh.objects.length)
      throw new ModelError(
        `not modelled: sheaf#${sh.id}->objects[${i}] read beyond the ${sh.objects.length} stored objects (line ${line + 1})`,
      );
    return `obj:${sh.objects[i]}`;
  }

  store(p: CVal, v: CVal, line: number): void {
    const m = isRef(p) ? elemRe.exec(p) : null;
    if (!m) throw new ModelError(`not modelled: *${String(p)} = … at line ${line + 1}`);
    const sh = this.sheaf(m[1], 'sheaf->objects[]');
    const i = Number(m[2]);
    this.write(`sheaf:${sh.id}`);
    if (!isRef(v) || splitRef(v).kind !== 'obj')
      throw new ModelError(`not modelled: storing ${String(v)} in sheaf->objects[] at line ${line + 1}`);
    if (i < 0 || i > sh.objects.length)
      throw new ModelError(
        `not modelled: sheaf#${sh.id}->objects[${i}] written past the ${sh.objects.length} stored objects (line ${line + 1})`,
      );
    sh.objects[i] = Number(splitRef(v).id);
    this.touchedObjects = true;
  }

  /** The slabs on node n's partial list, in order. */
  partial(n: number): number[] {
    const out: number[] = [];
    for (const sl of this.s.slabs) {
      if (sl.node !== n) continue;
      this.read(`slab:${sl.id}`);
      if (!sl.discarded && !sl.frozen && !sl.off && sl.inuse < sl.objects) out.push(sl.id);
    }
    return out;
  }

  /** Entries of a modelled list head, as references to the containing objects. */
  entries(head: CVal, line: number): string[] {
    if (!isRef(head)) throw new ModelError(`not modelled: list over ${String(head)} at line ${line + 1}`);
    if (isKrcList(head)) return [];
    const { kind, id, member } = splitRef(head);
    if (kind === 'node' && member === 'partial') return this.partial(Number(id)).map((x) => `slab:${x}`);
    if (kind === 'barn' && (member === 'sheaves_full' || member === 'sheaves_empty')) {
      this.read('barn');
      return (member === 'sheaves_full' ? this.s.barn.full : this.s.barn.empty).map((x) => `sheaf:${x}`);
    }
    throw new ModelError(`not modelled: list ${head} at line ${line + 1}`);
  }

  /** list_del(&entry->member) */
  listDel(entry: CVal, line: number): void {
    if (!isRef(entry)) throw new ModelError(`not modelled: list_del(${String(entry)}) at line ${line + 1}`);
    const { kind, id, member } = splitRef(entry);
    if (kind === 'slab' && member === 'slab_list') {
      const sl = this.slab(entry, 'list_del(&slab->slab_list)');
      this.keepBase(sl.node);
      this.write(`slab:${sl.id}`);
      sl.off = true;
      return;
    }
    if (kind === 'sheaf' && member === 'barn_list') {
      this.write('barn');
      this.keepBase(0);
      const n = Number(id);
      this.s.barn.full = this.s.barn.full.filter((x) => x !== n);
      this.s.barn.empty = this.s.barn.empty.filter((x) => x !== n);
      this.touchedObjects = true;
      return;
    }
    throw new ModelError(`not modelled: list_del(${entry}) at line ${line + 1}`);
  }

  /** list_add / list_add_tail(&entry->member, head) */
  listAdd(entry: CVal, head: CVal, line: number): void {
    if (!isRef(entry) || !isRef(head))
      throw new ModelError(`not modelled: list_add(${String(entry)}, ${String(head)}) at line ${line + 1}`);
    const e = splitRef(entry);
    const h = splitRef(head);
    if (e.kind === 'slab' && e.member === 'slab_list' && h.kind === 'node' && h.member === 'partial') {
      const sl = this.slab(entry, 'list_add(&slab->slab_list)');
      if (sl.frozen)
        throw new ModelError(
          `not modelled: the frozen slab#${sl.id} (a cpu slab, which this C does not know) put on the node partial list by list_add() at line ${line + 1}`,
        );
      this.keepBase(sl.node);
      this.write(`slab:${sl.id}`);
      delete sl.off;
      return;
    }
    if (e.kind === 'sheaf' && e.member === 'barn_list' && h.kind === 'barn') {
      this.write('barn');
      this.keepBase(0);
      (h.member === 'sheaves_full' ? this.s.barn.full : this.s.barn.empty).push(Number(e.id));
      this.touchedObjects = true;
      return;
    }
    throw new ModelError(`not modelled: list_add(${entry}, ${head}) at line ${line + 1}`);
  }

  /** list_splice_init(head, <a local list>): every entry leaves the modelled list `head`, in order. */
  spliceOut(head: CVal, line: number): string[] {
    const out = this.entries(head, line);
    const { kind, id, member } = splitRef(String(head));
    if (kind === 'barn') {
      this.write('barn');
      this.keepBase(Number(id));
      if (member === 'sheaves_full') this.s.barn.full = [];
      else this.s.barn.empty = [];
      this.touchedObjects = true;
    } else
      for (const e of out) {
        const sl = this.slab(e, 'list_splice_init()');
        this.keepBase(sl.node);
        this.write(`slab:${sl.id}`);
        sl.off = true;
      }
    return out;
  }

  /** An entry put on a local list must be on no modelled list (list_add after list_del). */
  checkDetached(entry: CVal, line: number): string {
    const e = isRef(entry) ? splitRef(entry) : undefined;
    const ref = e?.base ?? String(entry);
    if (e?.kind === 'slab' && e.member === 'slab_list') {
      const sl = this.slab(entry as string, 'list_add(&slab->slab_list)');
      this.read(`slab:${sl.id}`);
      if (sl.off) return ref;
    }
    if (e?.kind === 'sheaf' && e.member === 'barn_list') {
      this.read('barn');
      const n = Number(e.id);
      if (!this.s.barn.full.includes(n) && !this.s.barn.empty.includes(n)) return ref;
    }
    throw new ModelError(
      `not modelled: list_add(${String(entry)}) onto a local list while it is on a list (line ${line + 1})`,
    );
  }

  private keepBase(node: number): void {
    const keys: [string, () => number][] = [
      [`node:${node}/nr_partial`, () => this.partial(node).length],
      [`barn:${node}/nr_full`, () => this.s.barn.full.length],
      [`barn:${node}/nr_empty`, () => this.s.barn.empty.length],
    ];
    for (const [k, v] of keys) if (!this.base.has(k)) this.base.set(k, v());
  }

  /** End of step: cut sheaves to their sizes, rebuild freelists from their heads, check counters, relocate objects. */
  commit(): void {
    const s = this.s;
    for (const [id, size] of this.sizes) {
      const sh = s.sheaves[id];
      if (size > sh.objects.length)
        throw new ModelError(
          `not modelled: sheaf#${id}->size = ${size} counts slots never written (${sh.objects.length} stored)`,
        );
      sh.objects.length = Math.max(0, size);
    }
    this.sizes.clear();
    if (this.heads.size || this.fps.size) this.rebuildFreelists();
    for (const [key, v] of this.counters) {
      const { kind, id, member } = splitRef(key);
      const want =
        kind === 'node'
          ? this.partial(Number(id)).length
          : member === 'nr_full'
            ? s.barn.full.length
            : s.barn.empty.length;
      if (v !== want)
        throw new ModelError(`not modelled: ${key.replace('/', '->')} = ${v} while its list holds ${want}`);
    }
    this.counters.clear();
    this.base.clear();
    if (this.touchedObjects) relocate(s);
    this.touchedObjects = false;
  }

  private rebuildFreelists(): void {
    const s = this.s;
    const owners = [...s.cpuSlab.map((_, c) => `kcc:${c}`), ...s.slabs.map((sl) => `slab:${sl.id}`)];
    const chains = new Map<string, number[]>();
    const seen = new Map<number, string>();
    for (const owner of owners) {
      const out: number[] = [];
      for (let p = this.head(owner); p !== null; p = this.nextFree(Number(splitRef(p).id))) {
        const o = Number(splitRef(p).id);
        if (seen.has(o)) {
          const where =
            seen.get(o) === owner
              ? `twice on the freelist of ${owner}`
              : `on the freelists of ${seen.get(o)} and ${owner}`;
          this.violate('double free', `double free: o${o} is ${where}`);
          throw new Halt();
        }
        seen.set(o, owner);
        out.push(o);
      }
      chains.set(owner, out);
    }
    // the next pointers of objects on no list are kept: a freelist held in a local (flush_slab)
    for (const o of s.objects) {
      if (seen.has(o.id)) delete o.fp;
      else {
        const fp = this.nextFree(o.id);
        if (fp !== null) o.fp = fp;
        else delete o.fp;
      }
    }
    for (const [owner, l] of chains) {
      const { kind, id } = splitRef(owner);
      if (kind === 'kcc') s.cpuSlab[Number(id)].freelist = l;
      else s.slabs[Number(id)].freelist = l;
    }
    this.heads.clear();
    this.fps.clear();
    this.touchedObjects = true;
  }
}

/** Raised after a violation: the step stops where the C would have crashed or corrupted memory. */
export class Halt extends Error {}

/**
 * Recompute where every object is from the containers that hold it. An object that left every
 * container without reaching another one (a freelist dropped on the floor) is 'lost'; one held in
 * a sheaf nobody points to is in `sheaf:id`; an allocated object stays allocated.
 */
export function relocate(s: State): void {
  const where = new Map<number, Where>();
  s.slabs.forEach((sl) => sl.freelist.forEach((o) => where.set(o, 'slab')));
  s.cpuSlab.forEach((k, c) => k.freelist.forEach((o) => where.set(o, `cpu_freelist:${c}`)));
  s.quarantine.forEach((q, c) => q.forEach((o) => where.set(o, `quarantine:${c}`)));
  const sheafWhere = new Map<number, Where>();
  s.pcs.forEach((p, c) => {
    if (p.main !== null) sheafWhere.set(p.main, `main:${c}`);
    if (p.spare !== null) sheafWhere.set(p.spare, `spare:${c}`);
    if (p.rcu_free !== null) sheafWhere.set(p.rcu_free, `rcu_free:${c}`);
  });
  for (const id of [...s.barn.full, ...s.barn.empty]) sheafWhere.set(id, 'barn');
  for (const cb of s.rcu.cbs) sheafWhere.set(cb.sheaf, `rcu_cb:${cb.id}`);
  for (const sh of s.sheaves) {
    const w: Where = sh.freed ? 'lost' : (sheafWhere.get(sh.id) ?? `sheaf:${sh.id}`);
    for (const o of sh.objects) where.set(o, w);
  }
  for (const o of s.objects) {
    const w = where.get(o.id);
    o.where = w ?? (o.where === 'allocated' ? 'allocated' : 'lost');
  }
}
