// Unit tests of the notifier's contract: field formatting, the no-op without NOTIFY_SOCKET and the
// catalogued error when the native module is missing (a loader that requires a module that is not there).
import { createNotifier, formatNotifyFields } from './notify';

const missingModule = () => require('./no-such-native-module') as never;

describe('formatNotifyFields', () => {
  it('joins NAME=value lines in order', () => {
    expect(formatNotifyFields({ READY: 1, STATUS: 'a b', MAINPID: 42, MONOTONIC_USEC: 7n })).toBe('READY=1\nSTATUS=a b\nMAINPID=42\nMONOTONIC_USEC=7');
  });

  it('rejects values that would inject another field', () => {
    expect(() => formatNotifyFields({ STATUS: 'x\nREADY=1' })).toThrow(expect.objectContaining({ code: 'SYSTEMD_ERR_NOTIFY_FIELD' }));
  });
});

describe('createNotifier', () => {
  const saved = process.env['NOTIFY_SOCKET'];
  afterEach(() => {
    if (saved === undefined) delete process.env['NOTIFY_SOCKET'];
    else process.env['NOTIFY_SOCKET'] = saved;
  });

  it('is a no-op without NOTIFY_SOCKET (the native module is not even loaded)', () => {
    delete process.env['NOTIFY_SOCKET'];
    const n = createNotifier({ loadBinding: missingModule });
    expect(n.enabled).toBe(false);
    expect(() => n.ready({ status: 'x' })).not.toThrow();
  });

  it('throws SYSTEMD_ERR_NOTIFY_UNAVAILABLE when NOTIFY_SOCKET is set but the module cannot load', () => {
    process.env['NOTIFY_SOCKET'] = '/nonexistent/notify.sock';
    const n = createNotifier({ loadBinding: missingModule });
    expect(n.enabled).toBe(true);
    expect(() => n.ready()).toThrow(expect.objectContaining({ code: 'SYSTEMD_ERR_NOTIFY_UNAVAILABLE' }));
  });
});
