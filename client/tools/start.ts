// `npm start`: slablens in a browser-based VS Code (code-server, installed on first use into
// ~/.cache/slablens) on a demo workspace made of the fixture mm/ files and, in patches/, the list
// mail: the seed thread (v2) and the v3 mbox when ../shared has them, and our own fixture series.
// Prints the URL and runs until Ctrl+C.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, ensureCodeServer, installExtension, makeProfile, startCodeServer } from './codeServer';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const vsix = path.join(root, `slablens-${version}.vsix`);
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run "npm run package" first (npm start does)`);
  const cs = await ensureCodeServer((s) => console.log(s));
  // The demo workspace is copied once, so edits made while trying slablens survive a restart.
  const ws = path.join(cacheDir(), 'demo-workspace');
  if (!fs.existsSync(ws)) fs.cpSync(path.join(root, 'server', 'fixtures', 'kernel'), ws, { recursive: true });
  const patches = path.join(ws, 'patches');
  fs.mkdirSync(patches, { recursive: true });
  const mail: [string, string][] = [
    [path.join(root, '..', 'shared', 'seed', '000_8cd25ffe23bae77f.txt'), 'sheaves-rfc-v2.txt'],
    [path.join(root, '..', 'shared', 'data', 'sheaves-v3.mbox'), 'sheaves-v3.mbox'],
    [path.join(root, 'server', 'fixtures', 'series', 'v1'), 'barn-cleanups-v1'],
    [path.join(root, 'server', 'fixtures', 'series', 'v2.mbox'), 'barn-cleanups-v2.mbox'],
  ];
  for (const [from, name] of mail)
    if (fs.existsSync(from) && !fs.existsSync(path.join(patches, name)))
      fs.cpSync(from, path.join(patches, name), { recursive: true });
  const profile = makeProfile(path.join(cacheDir(), 'demo-profile'), {
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
  });
  await installExtension(cs, profile, vsix);
  const port = process.env.PORT ? Number(process.env.PORT) : undefined;
  const server = await startCodeServer(cs, profile, ws, port);
  console.log(
    `\nslablens is running in code-server: ${server.url}\n` +
      'open mm/slab_common.c and click "Simulate (KASAN)" above kvfree_rcu_barrier_on_cache;\n' +
      'right-click a file in patches/ → "Open Patch Series…" for the list review.\n' +
      `(workspace: ${ws}; Ctrl+C stops it)`,
  );
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.process.on('exit', (code) => {
    console.error(`code-server exited (${code}):\n${server.log().split('\n').slice(-20).join('\n')}`);
    process.exit(1);
  });
}

main().catch((e: Error) => {
  console.error(`slablens: npm start failed: ${e.message}`);
  process.exit(1);
});
