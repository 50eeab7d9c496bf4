// End-to-end tests under a real systemd in a container (tools/e2e-*): slow to boot, so long timeouts,
// and one file at a time on a 2-core machine.
module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'tools-e2e',
  rootDir: __dirname,
  testMatch: ['**/*.e2e.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
