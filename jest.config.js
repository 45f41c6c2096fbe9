/** Jest on Node 24 with @swc/jest: TypeScript is stripped, not type-checked (see `npm run typecheck`). */
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
