// Lint: typescript-eslint plus Nx module boundaries. Tags are on two axes (scope:*, type:*);
// the constraints below are the dependency direction of ARCHITECTURE.md, with no wildcard rule.
const nx = require('@nx/eslint-plugin');
const noImportCycle = require('./tools/eslint/no-import-cycle.cjs');

// httpd-ts's layers, lowest first: a folder imports only from itself and the folders before it.
const HTTPD_LAYERS = ['http', 'url', 'config', 'core', 'modules', 'connection', 'server', 'cli'];
const httpdLayerRules = HTTPD_LAYERS.map((layer, i) => ({
  files: [`services/httpd/src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: HTTPD_LAYERS.slice(i + 1).map((above) => ({
          group: [`../${above}`, `../${above}/*`],
          message: `services/httpd layers import downward only (${HTTPD_LAYERS.join(' -> ')}): ${layer}/ may not import ${above}/`,
        })),
      },
    ],
  },
}));

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/fixtures/**/*.js', '**/corpus/**'] },
  {
    files: ['**/*.ts'],
    plugins: { local: { rules: { 'no-import-cycle': noImportCycle } } },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:httpd', onlyDependOnLibsWithTags: ['scope:shared', 'scope:httpd'] },
            { sourceTag: 'scope:fpm', onlyDependOnLibsWithTags: ['scope:shared', 'scope:fpm'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tools'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:util', 'type:runtime', 'type:testing'] },
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:util', 'type:runtime', 'type:core', 'type:testing'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:runtime', 'type:core', 'type:testing'] },
            { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:util', 'type:runtime', 'type:testing'] },
            // Test helpers only: real processes and sockets for specs, never imported by src code.
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:runtime'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'local/no-import-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...httpdLayerRules,
  {
    // The log lib is the one place allowed to write to the console; tools are CLIs.
    files: ['libs/log/**/*.ts', 'tools/**/*.ts', '**/*.spec.ts', '**/test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
