// The extension's settings and their defaults, in one place: the client reads them through
// vscode's configuration with these defaults, the server reads the index settings from
// initializationOptions and configuration changes. A test holds them to package.json's
// `contributes.configuration`, where VS Code reads the defaults it shows.

import type { Strategy } from '../../engine/src';

/** Every `slablens.*` setting, by its full name, with its type. */
export interface Settings {
  'slablens.files': string[];
  'slablens.maxFileBytes': number;
  'slablens.simulation.kasan': boolean;
  'slablens.simulation.hotplug': boolean;
  'slablens.simulation.cpus': number;
  'slablens.simulation.strategy': Strategy;
  'slablens.simulation.maxStates': number;
  'slablens.simulation.stopAtFirst': boolean;
  'slablens.simulation.symmetry': boolean;
  'slablens.review.identity': string;
  'slablens.trace.server': 'off' | 'messages' | 'verbose';
}

export const DEFAULTS: Readonly<Settings> = {
  'slablens.files': ['mm/slub.c', 'mm/slab_common.c', 'mm/slab.h'],
  'slablens.maxFileBytes': 4 * 1024 * 1024,
  'slablens.simulation.kasan': true,
  'slablens.simulation.hotplug': false,
  'slablens.simulation.cpus': 2,
  'slablens.simulation.strategy': 'dpor',
  'slablens.simulation.maxStates': 1_000_000,
  'slablens.simulation.stopAtFirst': true,
  'slablens.simulation.symmetry': false,
  'slablens.review.identity': '',
  'slablens.trace.server': 'off',
};

/** What the server indexes: sent as initializationOptions, and as the `slablens` section of a configuration change. */
export interface IndexSettings {
  /** glob patterns, relative to each workspace folder */
  files: string[];
  /** files larger than this (bytes) are not indexed */
  maxFileBytes: number;
}

export const DEFAULT_INDEX_SETTINGS: Readonly<IndexSettings> = {
  files: DEFAULTS['slablens.files'],
  maxFileBytes: DEFAULTS['slablens.maxFileBytes'],
};

/** Settings from what a client sent (initializationOptions, or the `slablens` section of a configuration change); what is missing or malformed keeps `base`. */
export function readIndexSettings(raw: unknown, base: Readonly<IndexSettings> = DEFAULT_INDEX_SETTINGS): IndexSettings {
  const out: IndexSettings = { files: [...base.files], maxFileBytes: base.maxFileBytes };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as { files?: unknown; maxFileBytes?: unknown };
  if (Array.isArray(r.files) && r.files.every((f) => typeof f === 'string'))
    out.files = (r.files as string[]).map((f) => f.trim()).filter(Boolean);
  if (typeof r.maxFileBytes === 'number' && Number.isFinite(r.maxFileBytes) && r.maxFileBytes > 0)
    out.maxFileBytes = r.maxFileBytes;
  return out;
}
