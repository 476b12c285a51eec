/**
 * The jest settings every package shares: TypeScript through ts-jest (tsc semantics, so decorator
 * metadata is emitted), tests in `<package>/test/**.test.ts`, generous timeouts for numeric tests.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testTimeout: 120000,
};
