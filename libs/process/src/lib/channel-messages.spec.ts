// White-box tests of the channel message parsers: known commands are checked, the rest is not ours.
import { asChannelMessage, parseParentCommand, parseWorkerReport } from './channel-messages';

test('parent commands are recognised only when well-formed', () => {
  const parse = (raw: unknown) => {
    const m = asChannelMessage(raw);
    return m && parseParentCommand(m);
  };
  expect(parse({ type: 'quit' })).toEqual({ type: 'quit' });
  expect(parse({ type: 'heartbeat-ping', seq: 4 })).toEqual({ type: 'heartbeat-ping', seq: 4 });
  expect(parse({ type: 'heartbeat-ping' })).toBeUndefined();
  expect(parse({ type: 'status-query', id: 'x' })).toBeUndefined();
  expect(parse({ type: 'custom-thing' })).toBeUndefined();
  expect(parse('quit')).toBeUndefined();
  expect(parse(null)).toBeUndefined();
  expect(parse([{ type: 'quit' }])).toBeUndefined();
});

test('worker reports are recognised only when well-formed', () => {
  const parse = (raw: unknown) => {
    const m = asChannelMessage(raw);
    return m && parseWorkerReport(m);
  };
  expect(parse({ type: 'ready' })).toEqual({ type: 'ready' });
  expect(parse({ type: 'ready', info: { tag: 'a' } })).toEqual({ type: 'ready', info: { tag: 'a' } });
  expect(parse({ type: 'ready', info: 3 })).toBeUndefined();
  expect(parse({ type: 'status-reply', id: 1, status: { ok: 1 } })).toMatchObject({ id: 1 });
  expect(parse({ type: 'status-reply', id: 1 })).toBeUndefined();
  expect(parse({ type: 'heartbeat-pong', seq: '1' })).toBeUndefined();
  expect(parse({ type: 'quit' })).toBeUndefined();
});
