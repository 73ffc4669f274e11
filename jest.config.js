// Global setup runs outside jest's module mapping, so it is the compiled testkit (npm test builds first).
// One jest run for the whole monorepo, so Kafka and S3 start once (globalSetup of the
// integration project) however many packages have integration tests.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const packages = ['shared', 'testkit', 'producer-service', 'consumer-service', 'etl-worker', 'catalog-sync', 'bench'];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // ESM-only dependencies are transformed to CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-compressors|hysnappy)/)'],
  moduleNameMapper: {
    '^@spotify-pipeline/shared/(.*)$': '<rootDir>/shared/src/$1/index.ts',
    '^@spotify-pipeline/testkit$': '<rootDir>/testkit/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: packages.map((p) => `<rootDir>/${p}/test/unit/**/*.test.ts`),
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: packages.map((p) => `<rootDir>/${p}/test/integration/**/*.test.ts`),
      globalSetup: '<rootDir>/testkit/dist/jest-global-setup.js',
      globalTeardown: '<rootDir>/testkit/dist/jest-global-teardown.js',
      setupFilesAfterEnv: ['<rootDir>/testkit/src/jest-integration-setup.ts'],
    },
  ],
};
