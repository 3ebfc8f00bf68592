// dist/cli.js, the `slablens` command: it reads the command line, then loads only the bundle that
// runs it. The built-in scenarios' list/check/export/demo need the engine alone (dist/cliEngine.js);
// everything else loads the whole CLI (dist/cliFull.js: the analyzer with tree-sitter, peggy,
// mailparser). Loading that bundle whole (3.8 MB then) took longer than F2@8's search (bench:engine's
// "the CLI as the user runs it" rows). Both bundles run the same main()s as before, so the
// output and exit codes are the same either way.

import { runAsProcess } from '../../io/src';
import type * as EngineCli from '../../engine/src/cli';
import type * as FullCli from './cli';
import { engineOnly } from './cliRoute';

type Cli = Pick<typeof FullCli, 'main' | 'crashed'>;

/** esbuild.mjs points these two requires at the bundles next to dist/cli.js; in out/ they are the modules. */
function load(argv: string[]): Cli {
  let engine = false;
  try {
    engine = engineOnly(argv);
  } catch {
    // the whole CLI reads the command line again and reports what is wrong with it
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand: the point of this entry */
  return engine ? (require('../../engine/src/cli') as typeof EngineCli) : (require('./cli') as typeof FullCli);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

if (require.main === module) {
  const cli = load(process.argv.slice(2));
  runAsProcess((argv) => cli.main(argv), cli.crashed);
}
