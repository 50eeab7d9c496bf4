module.exports = { ...require('../../jest.preset.cjs'), displayName: 'systemd', rootDir: __dirname };
