// The settings' defaults are written twice by necessity: in package.json, where VS Code reads
// them, and in protocol/src/settings.ts, where the code does. This holds the two to each other.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_INDEX_SETTINGS, DEFAULTS, readIndexSettings } from '../src/settings';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; enum?: string[] }> } };
};
const declared = pkg.contributes.configuration.properties;

describe('settings (protocol/src/settings.ts) against package.json', () => {
  it('declares the same settings', () => {
    assert.deepEqual(Object.keys(DEFAULTS).sort(), Object.keys(declared).sort());
  });

  it('has the same defaults', () => {
    for (const [key, value] of Object.entries(DEFAULTS)) assert.deepEqual(value, declared[key].default, key);
  });

  it('a default of an enum is one of its values', () => {
    for (const [key, d] of Object.entries(declared)) if (d.enum) assert.ok(d.enum.includes(d.default as string), key);
  });

  it('the server reads the index settings it is sent, keeping the defaults for what is missing or malformed', () => {
    assert.deepEqual(readIndexSettings(undefined), DEFAULT_INDEX_SETTINGS);
    assert.deepEqual(readIndexSettings({ files: [' mm/*.c ', ''], maxFileBytes: 2048 }), {
      files: ['mm/*.c'],
      maxFileBytes: 2048,
    });
    assert.deepEqual(readIndexSettings({ files: 'mm/*.c', maxFileBytes: 'big' }), DEFAULT_INDEX_SETTINGS);
    assert.deepEqual(readIndexSettings({ maxFileBytes: -1 }), DEFAULT_INDEX_SETTINGS);
  });
});
