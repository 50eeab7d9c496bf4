module.exports = { ...require('../../jest.preset.cjs'), displayName: 'fastcgi', rootDir: __dirname };
