// What of interpreted C other tasks cannot see (clive.ts): statements on the task's own frames
// join the step before them, dead locals leave the state.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CExpr, CFunc, CInstr } from '../src/cir';
import { dropDead, localStatement } from '../src/clive';

const v = (n: string): CExpr => ({ k: 'var', n });
const arrow = (e: CExpr, f: string): CExpr => ({ k: 'arrow', e, f });
const fn = (code: CInstr[]): CFunc => ({ name: 'f', params: [], code, line: 0 });
const callee = (name: string) => name === 'helper' || name === 'VM_BUG_ON';

describe('statements other tasks cannot see', () => {
  it('locals, stack structs, constant cache fields and pure calls are local; heap fields are not', () => {
    const locals = { x: 1, old: { counters: 5 }, df: 'lvar:0:df', s: 'cache', slab: 'slab:0' };
    const one = (ins: object) => localStatement(fn([{ ...ins, line: 0, st: true } as CInstr]), 0, locals, callee);
    assert.equal(one({ i: 'set', to: v('y'), e: { k: 'bin', op: '+', l: v('x'), r: { k: 'num', v: 1 } } }), true);
    assert.equal(one({ i: 'set', to: { k: 'dot', e: v('old'), f: 'frozen' }, e: { k: 'num', v: 0 } }), true);
    assert.equal(one({ i: 'set', to: v('y'), e: arrow(v('df'), 'cnt') }), true);
    assert.equal(one({ i: 'set', to: v('y'), e: arrow(v('s'), 'flags') }), true);
    assert.equal(
      one({ i: 'call', fn: 'VM_BUG_ON', args: [{ k: 'un', op: '!', e: { k: 'dot', e: v('old'), f: 'frozen' } }] }),
      true,
    );
    // the orchestration changes s->refcount; a slab's fields are shared
    assert.equal(one({ i: 'set', to: v('y'), e: arrow(v('s'), 'refcount') }), false);
    assert.equal(one({ i: 'set', to: v('y'), e: arrow(v('slab'), 'freelist') }), false);
    assert.equal(one({ i: 'set', to: arrow(v('df'), 'cnt'), e: arrow(v('slab'), 'inuse') }), false);
    assert.equal(one({ i: 'call', fn: 'set_freepointer', args: [v('s'), v('x'), { k: 'null' }] }), false);
  });

  it('a statement is local only if every instruction of it is, with temporaries of unknown value', () => {
    // $1 = helper(); y = $1->cnt: $1 holds a stack struct's address now, but the call sets it anew
    const code: CInstr[] = [
      { i: 'call', fn: 'helper', args: [], to: v('$1'), line: 0, st: true },
      { i: 'set', to: v('y'), e: arrow(v('$1'), 'cnt'), line: 0 },
      { i: 'set', to: v('z'), e: v('y'), line: 1, st: true },
    ];
    assert.equal(localStatement(fn(code), 0, { $1: 'lvar:0:df' }, callee), false);
    assert.equal(localStatement(fn(code), 2, { y: 1 }, callee), true);
  });
});

describe('dead locals', () => {
  const code: CInstr[] = [
    { i: 'set', to: v('a'), e: { k: 'num', v: 1 }, line: 0, st: true },
    { i: 'call', fn: 'helper', args: [{ k: 'addr', e: v('flags') }], line: 1, st: true },
    { i: 'set', to: v('b'), e: v('a'), line: 2, st: true },
    { i: 'jf', e: v('b'), to: 5, line: 3, st: true },
    { i: 'set', to: v('a'), e: { k: 'num', v: 2 }, line: 4, st: true },
    { i: 'ret', e: v('a'), line: 5, st: true },
  ];
  it('are dropped where no path reads them before writing them; an address taken keeps a local', () => {
    const locals = () => ({ a: 1, b: 1, flags: 7 });
    const at = (pc: number) => {
      const l = locals();
      dropDead(fn(code), pc, l);
      return Object.keys(l).sort().join(',');
    };
    assert.equal(at(2), 'a,flags');
    // the branch skipping line 4 reads a at line 5
    assert.equal(at(3), 'a,b,flags');
    assert.equal(at(4), 'flags');
    assert.equal(at(6), 'flags');
  });
});
