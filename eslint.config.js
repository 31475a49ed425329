// ESLint for the whole repository: typescript-eslint's type-checked rules on every TypeScript file (each
// folder's tsconfig.json gives the types: src/, web/, test/, bench/, scripts/, tools/), plain JS rules on
// the .mjs launchers. Formatting is Prettier's job (.prettierrc.json), so no stylistic rules here.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'models/', 'coverage/', 'tmp/', 'test-artifacts/', '.diffscope/', '**/__pycache__/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Imports that exist only for types are erased from the output.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Numbers and booleans read fine in messages; `undefined`/`null`, objects and `any` do not.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allowBoolean: true,
          allowRegExp: true,
          allowNullish: false,
          allowAny: false,
          allowNever: false,
          allow: [
            { from: 'lib', name: ['URL', 'URLSearchParams'] },
            { from: 'package', package: 'url', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      // Passing on a caught `unknown` or an AbortSignal's reason is propagation, as only-throw-error allows by default;
      // rejecting with a string or a plain object is the bug this rule is for.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // strict-type-checked rules measured on this tree and left off, each for its reason:
      // - no-unnecessary-condition: tsconfig keeps noUncheckedIndexedAccess off, so every guard on an index
      //   read (and every defensive check on decoded wire data) looks "always truthy" to it.
      // - no-non-null-assertion: `map.get(k)!` right after the code that set k says more than a throw that
      //   cannot happen. (`!` on index reads is removed instead: with noUncheckedIndexedAccess off it is a no-op.)
      // - require-await: Fastify plugins and handlers are async by contract, with or without an await.
      // - no-unnecessary-type-conversion: Number(row.x) on pg rows typed number but delivered as bigint strings.
      // - no-confusing-void-expression, no-invalid-void-type, no-dynamic-delete: taste, not bugs.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-conversion': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-invalid-void-type': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'tools/**/*.ts', 'test/**/*.ts', '**/*.mjs', '*.js', '*.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests read untyped JSON from real servers and processes and assert on it: the any-related rules there
    // would only add casts that the assertions already stand for, and a null exit code printed in a
    // failure message is what the reader wants to see. fast-check alphabets spread ASCII literals.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/restrict-plus-operands': ['error', { allowAny: true }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: true, allowNullish: true, allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-misused-spread': 'off',
    },
  },
  {
    // Config files outside every tsconfig: checked without type information.
    files: ['*.ts', 'web/vite.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
