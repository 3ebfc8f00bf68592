// Bundles the shipped entry points into dist/. Type checking is tsc -b's job (npm run build runs both).
import * as esbuild from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

// The CLI: dist/cli.js is a small entry that loads one of two bundles (server/src/cliEntry.ts says
// why): the engine's command line alone, or the whole CLI (which also runs as a process). zod,
// which only reading a trace file needs (engine/src/traceSchema.ts requires it then), is a third
// file: node parses a whole bundle before it runs a line of it, and zod was half the engine's.
const zodApart = {
  name: 'zod-apart',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, () => ({ path: './cliZod.js', external: true }));
  },
};
await esbuild.build({
  ...common,
  entryPoints: { cliEngine: 'engine/src/cli.ts', cliFull: 'server/src/cli.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
  external: ['tree-sitter', 'tree-sitter-c'],
  plugins: [zodApart],
});
await esbuild.build({
  ...common,
  stdin: { contents: "module.exports = require('zod');", resolveDir: '.', sourcefile: 'cliZod.js' },
  outfile: 'dist/cliZod.js',
});
/** cliEntry.ts's requires of the two CLIs, as the bundles next to it. */
const cliBundles = {
  name: 'cli-bundles',
  setup(b) {
    const to = { '../../engine/src/cli': './cliEngine.js', './cli': './cliFull.js' };
    b.onResolve({ filter: /^(\.\.\/\.\.\/engine\/src\/cli|\.\/cli)$/ }, (a) =>
      a.importer.endsWith('cliEntry.ts') ? { path: to[a.path], external: true } : undefined,
    );
  },
};
await esbuild.build({
  ...common,
  entryPoints: { cli: 'server/src/cliEntry.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [cliBundles],
});

// The language server. tree-sitter and its C grammar are native addons: loaded from node_modules.
await esbuild.build({
  ...common,
  entryPoints: {
    server: 'server/src/server.ts',
    simulateWorker: 'server/src/simulateWorker.ts',
    replayWorker: 'server/src/replayWorker.ts',
    seriesWorker: 'server/src/seriesWorker.ts',
  },
  outdir: 'dist',
  external: ['tree-sitter', 'tree-sitter-c'],
});

// The extension host side (client/): vscode is provided by the host; everything else is bundled.
await esbuild.build({
  ...common,
  entryPoints: { extension: 'client/src/extension.ts' },
  outdir: 'dist',
  external: ['vscode'],
});

// The trace view's script runs in the webview (a browser page with a strict CSP).
await esbuild.build({
  ...common,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  entryPoints: { trace: 'media/src/trace.ts' },
  outdir: 'dist/media',
});
