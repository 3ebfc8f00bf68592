// The client reads each setting by its full name, with the default protocol/src/settings.ts gives
// it (the same as package.json's, which a test checks): no default is written here.

import * as vscode from 'vscode';
import { DEFAULTS, IndexSettings, Settings } from '../../protocol/src';

export function setting<K extends keyof Settings>(key: K): Settings[K] {
  return vscode.workspace.getConfiguration().get<Settings[K]>(key, DEFAULTS[key]);
}

/** What the server reads from initializationOptions (and again on didChangeConfiguration). */
export function serverSettings(): IndexSettings {
  return { files: setting('slablens.files'), maxFileBytes: setting('slablens.maxFileBytes') };
}
