/** Jest on Node 24 with @swc/jest: TypeScript is stripped, not type-checked (see `npm run typecheck`). */

// Tests run the TypeScript sources: `bin/sticky.js` started by a test (and inheriting this
// variable) skips the compiled bundle in dist/, which may be older than the sources.
process.env.STICKY_FROM_SOURCE ??= '1';

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  // Coverage is measured over the project's own sources, never the Lambda bundles built from them.
  collectCoverageFrom: ['lib/**/*.ts', 'functions/**/*.ts', '!**/*.d.ts'],
  coverageReporters: ['text-summary', 'json-summary', 'text'],
};
