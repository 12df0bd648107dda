/** Tests run from TypeScript sources (transpile only: `npm test` type-checks with tsc first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }] },
  testTimeout: 60000,
  // Runtime suites (test/runtime/) that could not run are listed after the summary, with the install command.
  globalSetup: '<rootDir>/test/runtime/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/runtime/harness/global-teardown.ts',
};
