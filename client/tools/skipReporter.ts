// A node --test reporter for client/tools/test.ts: one JSON line per skipped test or suite, with
// its reason and file.

interface TestEvent {
  type: string;
  data: { name: string; nesting: number; skip?: string | boolean; file?: string };
}

/** The reporter: one JSON line per skipped test or suite. */
export = async function* skipReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const e of source) {
    if ((e.type === 'test:pass' || e.type === 'test:fail') && e.data.skip !== undefined && e.data.skip !== false) {
      const s = {
        name: e.data.name,
        reason: typeof e.data.skip === 'string' ? e.data.skip : 'skipped',
        file: e.data.file,
      };
      yield JSON.stringify(s) + '\n';
    }
  }
};
