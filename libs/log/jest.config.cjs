module.exports = { ...require('../../jest.preset.cjs'), displayName: 'log', rootDir: __dirname };
