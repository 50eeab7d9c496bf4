module.exports = { ...require('../../jest.preset.cjs'), displayName: 'fdevent', rootDir: __dirname };
