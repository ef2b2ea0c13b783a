// ESLint flat config: typescript-eslint's recommended rules, no `any`, unused code flagged, and the layer map of
// docs/architecture.md enforced on every source file under src/ (tests and fixtures are exempt).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layerBoundaries from './eslint-rules/layer-boundaries.js';

/** Which layer (folder under src/) may import which; a layer may always import itself. */
const LAYERS = {
  core: ['core'],
  protocol: ['core'],
  store: ['core'],
  llm: ['core'],
  embed: ['core'],
  node: ['core'],
  workers: ['core', 'protocol', 'store', 'llm', 'embed', 'eval'],
  agent: ['core', 'protocol'],
  app: ['core', 'protocol', 'agent'],
  package: ['core', 'protocol', 'agent', 'app'],
  eval: ['core', 'store', 'llm', 'embed', 'node'],
  rl: ['core', 'store', 'llm', 'embed', 'node', 'eval'],
  testing: ['core', 'protocol', 'store', 'llm', 'embed', 'node', 'eval', 'workers', 'agent'],
};

/** The runtime-neutral benchmark in eval: the only eval modules a worker may reach, none of them Node-only. */
const NEUTRAL_EVAL = [
  'benchmark-run',
  'errors',
  'failure-breaker',
  'group-means',
  'locomo-protocol',
  'metrics',
  'loaders/locomo-format',
  'loaders/validate',
];

const NOT_IN_PAGE = 'the page renders and nothing else; storage and models run in a worker';
const PURE = 'this layer runs in the page, workers and Node alike and sees storage and models as interfaces';
/** Packages some layers may not import, with the reason the lint message gives. */
const PACKAGES = {
  core: { idb: PURE, '@mlc-ai/web-llm': PURE, '@huggingface/transformers': PURE, 'node:*': PURE, lit: PURE },
  protocol: {
    idb: PURE,
    '@mlc-ai/web-llm': PURE,
    '@huggingface/transformers': PURE,
    'node:*': PURE,
    lit: PURE,
  },
  agent: { idb: NOT_IN_PAGE, '@mlc-ai/web-llm': NOT_IN_PAGE, '@huggingface/transformers': NOT_IN_PAGE },
  app: { idb: NOT_IN_PAGE, '@mlc-ai/web-llm': NOT_IN_PAGE, '@huggingface/transformers': NOT_IN_PAGE },
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'dist-lib', 'test-results', 'playwright-report', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-undef': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/**/fixtures/**'],
    plugins: { layers: { rules: { boundaries: layerBoundaries } } },
    rules: {
      'layers/boundaries': [
        'error',
        {
          layers: LAYERS,
          packages: PACKAGES,
          only: { workers: { eval: ['benchmark-run', 'errors', 'loaders/locomo-format'] } },
          neutral: NEUTRAL_EVAL.map((m) => `eval/${m}`),
        },
      ],
    },
  },
);
