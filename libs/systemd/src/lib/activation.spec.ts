// Unit tests of LISTEN_* parsing on an explicit environment (sd_listen_fds_with_names semantics).
import { listenFds } from './activation';

describe('listenFds', () => {
  it('returns nothing and unsets the variables when LISTEN_PID is not ours', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'web', OTHER: 'x' };
    expect(listenFds({ env, pid: 4242 })).toEqual([]);
    expect(env).toEqual({ OTHER: 'x' });
  });

  it('returns nothing without LISTEN_FDS', () => {
    expect(listenFds({ env: { LISTEN_PID: '4242' }, pid: 4242 })).toEqual([]);
  });

  it('rejects a malformed LISTEN_FDS with SYSTEMD_ERR_LISTEN_FDS', () => {
    expect(() => listenFds({ env: { LISTEN_PID: '4242', LISTEN_FDS: 'two' }, pid: 4242 })).toThrow(
      expect.objectContaining({ code: 'SYSTEMD_ERR_LISTEN_FDS' }),
    );
  });

  it('keeps the variables when asked to', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_FDS: '1' };
    listenFds({ env, pid: 4242, unsetEnvironment: false });
    expect(env).toEqual({ LISTEN_PID: '1', LISTEN_FDS: '1' });
  });
});
