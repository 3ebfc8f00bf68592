// eslint: the layers of the code (who may import whom) and the sizes of files and functions.
// Formatting is prettier's (.prettierrc.json); `npm run lint` runs both, and `npm test` runs it.
//
//   engine/    imports nothing of ours (its command line, engine/src/cli.ts, only io/)
//   io/        imports nothing of ours
//   protocol/  imports the engine's types only
//   server/    imports engine/, protocol/, io/
//   media/     imports the engine's types only (the webview bundles no vscode and no server)
//   client/    imports engine/ (trace types), protocol/, media/
//
// Import cycles are found over the whole import graph by tools/importCycles.mjs (npm run lint runs it).

import tseslint from 'typescript-eslint';

/** An import of a folder of ours, by its top-level name, from anywhere in the tree. */
const layer = (name) => `^(\\.\\./)+${name}(/|$)`;
/** no-restricted-imports that forbids each of `names`, saying who may import what. */
const only = (who, names, allowed) => [
  'error',
  {
    patterns: names.map((n) => ({
      regex: layer(n),
      message: `${who} must not import ${n}/: ${who} imports ${allowed} (eslint.config.mjs says why).`,
    })),
    paths: [{ name: 'vscode', message: `${who} must not import vscode: only client/ runs in the extension host.` }],
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '**/*.d.ts', '**/fixtures/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // others' disable comments may name rules this configuration does not turn on
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // a source file over 600 lines says at its top why it is not split (blank and comment lines not counted)
      'max-lines': ['error', { max: 600, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-require-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  // tests: a describe() block is a suite, not a function
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts', 'client/tools/**/*.ts', 'client/e2e/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/src/cli.ts', 'engine/test/**'],
    rules: {
      'no-restricted-imports': only(
        'engine/',
        ['server', 'client', 'media', 'protocol', 'io', 'bench'],
        'nothing of ours',
      ),
    },
  },
  {
    files: ['engine/src/cli.ts', 'engine/test/**/*.ts'],
    rules: {
      'no-restricted-imports': only(
        "the engine's command line",
        ['server', 'client', 'media', 'protocol', 'bench'],
        'io/ only',
      ),
    },
  },
  {
    files: ['io/**/*.ts'],
    rules: {
      'no-restricted-imports': only(
        'io/',
        ['engine', 'server', 'client', 'media', 'protocol', 'bench'],
        'nothing of ours',
      ),
    },
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': only(
        'protocol/',
        ['server', 'client', 'media', 'io', 'bench'],
        "the engine's types only",
      ),
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: { 'no-restricted-imports': only('server/', ['client', 'media', 'bench'], 'engine/, protocol/ and io/') },
  },
  {
    files: ['media/**/*.ts'],
    rules: {
      'no-restricted-imports': only(
        'media/',
        ['server', 'client', 'protocol', 'io', 'bench'],
        "the engine's types only",
      ),
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ['server', 'io', 'bench'].map((n) => ({
            regex: layer(n),
            message: `client/ must not import ${n}/: client/ imports engine/ (trace types), protocol/ and media/; the server is reached over LSP.`,
          })),
        },
      ],
    },
  },
);
