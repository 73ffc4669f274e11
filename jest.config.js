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

// The AWS SDK warns once per process that releases after January 2027 need Node 22. CI machines run
// Node 20 (the images run Node 22, see docs/deploy.md); in tests the warning is the same line in every
// worker and service child, hiding real output. Set here, so jest's workers and children inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const packages = ['shared', 'testkit', 'producer-service', 'consumer-service', 'etl-worker', 'catalog-sync', 'insights-service', 'bench', 'k8s/validate', 'tools'];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // ESM-only dependencies are transformed to CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-compressors|hysnappy)/)'],
  moduleNameMapper: {
    '^@spotify-pipeline/shared/(.*)$': '<rootDir>/shared/src/$1/index.ts',
    '^@spotify-pipeline/testkit$': '<rootDir>/testkit/src/index.ts',
    // tools/ documents the services' config schemas: from their sources, like everything else here.
    '^@spotify-pipeline/(producer-service|consumer-service|etl-worker|catalog-sync|insights-service)/config$': '<rootDir>/$1/src/config.ts',
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
