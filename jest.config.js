/** Tests run from TypeScript sources (transpile only: `npm test` type-checks with tsc first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }] },
  testTimeout: 60000,
  // Examples import the package root by name, as a consumer does (tsconfig.json maps it the same way).
  moduleNameMapper: { '^pembayaran-k8s$': '<rootDir>/lib/index.ts' },
  // Runtime suites (test/runtime/) that could not run are listed after the summary, with the install command.
  globalSetup: '<rootDir>/test/runtime/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/runtime/harness/global-teardown.ts',
};
