// Tests of level parsing: php-fpm's log_level words map onto our six levels.
import { parseLogLevel } from './levels';

describe('parseLogLevel', () => {
  it.each([
    ['alert', 'alert'],
    ['error', 'error'],
    ['warning', 'warn'],
    ['NOTICE', 'notice'],
    ['info', 'info'],
    ['debug', 'debug'],
  ])('%s -> %s', (word, level) => {
    expect(parseLogLevel(word)).toBe(level);
  });

  it('rejects unknown words with LOG_ERR_LEVEL', () => {
    expect(() => parseLogLevel('verbose')).toThrow(expect.objectContaining({ code: 'LOG_ERR_LEVEL' }));
  });
});
