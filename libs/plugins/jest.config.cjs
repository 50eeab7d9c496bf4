module.exports = { ...require('../../jest.preset.cjs'), displayName: 'plugins', rootDir: __dirname };
