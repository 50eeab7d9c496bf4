module.exports = { ...require('../jest.preset.cjs'), displayName: 'tools', rootDir: __dirname, testMatch: ['**/*.test.ts'] };
