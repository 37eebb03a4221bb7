import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const depConstraints = (testCode) => [
  // Tests start the simulators and the test broker from tools/; production code never may.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: testCode ? ['type:lib', 'type:tool'] : ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: testCode ? ['type:lib', 'type:tool'] : ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  {
    sourceTag: 'scope:shared',
    onlyDependOnLibsWithTags: testCode ? ['scope:shared', 'scope:tools'] : ['scope:shared'],
  },
  {
    sourceTag: 'scope:agent',
    onlyDependOnLibsWithTags: testCode
      ? ['scope:shared', 'scope:agent', 'scope:tools']
      : ['scope:shared', 'scope:agent'],
  },
  {
    sourceTag: 'scope:cloud',
    onlyDependOnLibsWithTags: testCode
      ? ['scope:shared', 'scope:cloud', 'scope:tools']
      : ['scope:shared', 'scope:cloud'],
  },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared', 'scope:agent', 'scope:tools'] },
];

const boundaries = (testCode) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints(testCode) },
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.data/**',
      '.nx/**',
      'test-output/**',
      'coverage/**',
      'apps/cloud/src/generated/**',
    ],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The boundaries are the architecture: an app never imports another app, a lib never imports
      // an app, the agent never sees cloud code and the cloud never sees the agent's drivers.
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  {
    // Launchers are plain CommonJS scripts run by node directly.
    files: ['**/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/test/**/*.ts', '**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
];
