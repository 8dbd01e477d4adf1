import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the `source` export condition),
// so unit tests never need a build; end-to-end tests spawn the built `exp` binary instead.
const sourceConditions = ['source', 'node', 'import', 'module', 'default'];

const packageProject = (name: string, extra: { testTimeout?: number; exclude?: string[] } = {}) => ({
  extends: true as const,
  test: {
    name,
    include: [`packages/${name}/src/**/*.test.ts`, `packages/${name}/test/**/*.test.ts`],
    ...(extra.exclude ? { exclude: ['**/node_modules/**', ...extra.exclude] } : {}),
    testTimeout: extra.testTimeout ?? 30_000,
  },
});

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['source'] } },
  test: {
    pool: 'forks',
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      packageProject('tensor'),
      packageProject('ddp', { testTimeout: 60_000 }),
      packageProject('experiment', { testTimeout: 60_000, exclude: ['packages/experiment/test/mongo/**'] }),
      {
        // MongoDB observer and store against a real server (FerretDB started by the global setup, or MONGO_URL).
        extends: true as const,
        test: {
          name: 'mongo',
          include: ['packages/experiment/test/mongo/**/*.test.ts'],
          globalSetup: ['test/utils/mongo-global-setup.ts'],
          testTimeout: 60_000,
        },
      },
      packageProject('dinov2'),
      packageProject('vis', { testTimeout: 60_000 }),
      packageProject('seqformer', { testTimeout: 120_000 }),
      {
        extends: true as const,
        test: {
          name: 'architecture',
          include: ['test/*.test.ts'],
        },
      },
      {
        extends: true as const,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'experiments/**/*.test.ts'],
          testTimeout: 300_000,
        },
      },
    ],
  },
});
