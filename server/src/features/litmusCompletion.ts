// Completion in scenario files, by where the cursor is: in a P body the functions a thread may
// call, in the init block the configuration, settings, cache fields and setup calls, in the
// exists / forall clause the predicates. The lists are the lowering's own (litmus/lower.ts) and
// the engine's predicates, so completion offers nothing the run would refuse as unknown.

import {
  CompletionItem,
  CompletionItemKind,
  CompletionParams,
  InsertTextFormat,
  MarkupKind,
} from 'vscode-languageserver/node';
import { PREDICATES } from '../../../engine/src';
import { ServerContext } from '../context';
import { isScenarioUri } from '../litmus';
import { CACHE_FIELDS, CONFIGS, INIT_CALLS, INIT_CPU_CALLS, SETTINGS, threadApi } from '../litmus/lower';

export type Region = 'top' | 'init' | 'body' | 'clause';

/** Where an offset is in a scenario file, from the text before it (comments left out). */
export function regionAt(text: string, offset: number): Region {
  const before = text.slice(0, offset).replace(/\(\*[\s\S]*?(\*\)|$)/g, ' ');
  if (/^\s*(~\s*exists|exists|forall)\b/m.test(before)) return 'clause';
  if (/^\s*P\d+\s*\(/m.test(before)) return 'body';
  if (before.includes('{')) return 'init';
  return 'top';
}

const doc = (value: string) => ({ kind: MarkupKind.Markdown, value });
const snippet = (
  label: string,
  insert: string,
  kind: CompletionItemKind,
  documentation: string,
  detail?: string,
): CompletionItem => ({
  label,
  kind,
  detail,
  documentation: doc(documentation),
  insertText: insert,
  insertTextFormat: InsertTextFormat.Snippet,
});

/** The arguments a thread's call is written with (the model reads these). */
const ARGS: Record<string, string> = {
  kfree_rcu: '${1:o0}, rcu',
  kmem_cache_free: 's, ${1:o0}',
  do_slab_free: 's, ${1:o0}',
  rcu_barrier: '',
  rcu_read_lock: '',
  rcu_read_unlock: '',
};

/** What the init block may hold: configuration, settings, cache fields and the setup calls. */
function initItems(): CompletionItem[] {
  return [
    ...Object.entries(CONFIGS).map(([n, d]) =>
      snippet(n, `${n}=\${1|y,n|};`, CompletionItemKind.Constant, d, 'configuration'),
    ),
    ...Object.entries(SETTINGS).map(([n, d]) =>
      snippet(n, `${n}=\${1:${n === 'NR_CPUS' ? '2' : 'y'}};`, CompletionItemKind.Variable, d, 'setting'),
    ),
    ...Object.entries(CACHE_FIELDS).map(([n, d]) =>
      snippet(`s->${n}`, `s->${n}=\${1};`, CompletionItemKind.Field, d, 'the cache'),
    ),
    snippet('new_slab', '${1:slab0} = new_slab(${2:2});', CompletionItemKind.Function, INIT_CALLS.new_slab, 'setup'),
    snippet(
      'kmem_cache_alloc',
      '${1:o0} = kmem_cache_alloc(s, GFP_KERNEL);',
      CompletionItemKind.Function,
      INIT_CALLS.kmem_cache_alloc,
      'setup',
    ),
    ...Object.entries(INIT_CPU_CALLS).map(([n, d]) =>
      snippet(
        n,
        `cpu\${1:0}: ${n}(${n === 'kfree_rcu' ? '${2:o0}, rcu' : n === 'kmem_cache_free' ? 's, ${2:o0}' : ''});`,
        CompletionItemKind.Function,
        d,
        'setup on a CPU',
      ),
    ),
  ];
}

/** The frame of a file: a thread and the three clauses. */
function topItems(): CompletionItem[] {
  return [
    snippet(
      'P0',
      'P${1:0}(struct kmem_cache *s)\n{\n\t$0\n}',
      CompletionItemKind.Snippet,
      'a thread: its body calls kernel functions, one CPU per thread',
      'thread',
    ),
    snippet(
      'exists',
      'exists (${1:objects_remaining(s)})',
      CompletionItemKind.Keyword,
      'some execution ends where the proposition holds (herd7)',
      'clause',
    ),
    snippet(
      '~exists',
      '~exists (${1:objects_remaining(s)})',
      CompletionItemKind.Keyword,
      'no execution ends where the proposition holds',
      'clause',
    ),
    snippet(
      'forall',
      'forall (${1:~leak})',
      CompletionItemKind.Keyword,
      'every execution ends where the proposition holds',
      'clause',
    ),
  ];
}

function items(region: Region): CompletionItem[] {
  switch (region) {
    case 'body':
      return threadApi().map((f) =>
        snippet(
          f.name,
          `${f.name}(${ARGS[f.name] ?? '${1:s}'});`,
          CompletionItemKind.Function,
          f.summary || 'modelled by the simulator',
          'slablens model',
        ),
      );
    case 'clause':
      return Object.entries(PREDICATES).map(([name, p]) =>
        snippet(
          name,
          p.takesCache ? `${name}(s)` : name,
          CompletionItemKind.Property,
          p.notModelled ? `${p.doc}\n\n**Not modelled**: ${p.notModelled}` : p.doc,
          p.notModelled ? 'not modelled' : 'predicate',
        ),
      );
    case 'init':
      return initItems();
    case 'top':
      return topItems();
  }
}

export function completion(ctx: ServerContext, p: CompletionParams): CompletionItem[] {
  const d = ctx.documents.get(p.textDocument.uri);
  if (!d || !isScenarioUri(p.textDocument.uri)) return [];
  return items(regionAt(d.getText(), d.offsetAt(p.position)));
}

export function registerLitmusCompletion(ctx: ServerContext): void {
  ctx.connection.onCompletion((p) => completion(ctx, p));
}
