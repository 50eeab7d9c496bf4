module.exports = { ...require('../../jest.preset.cjs'), displayName: 'fpm', rootDir: __dirname };
