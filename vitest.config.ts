import { defineConfig } from 'vitest/config';

// Lab test files run side by side, each on a lab of its own (test/lab/global-setup.ts): a worker's
// pool id picks its lab, so there are exactly as many workers as labs.
const labs = Number(process.env['NODEWARD_TEST_LABS'] ?? '3');

export default defineConfig({
  test: {
    clearMocks: true,
    restoreMocks: true,
    maxWorkers: labs,
    projects: [
      // unit tests assert behaviour, not speed: a loaded 2-core CI machine must not fail them on time
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        extends: true,
        test: {
          name: 'lab',
          include: ['test/lab/**/*.lab.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          maxWorkers: labs,
        },
      },
    ],
  },
});
