// Dispatcher tests: tables built once in server.modules order, short-circuit on the first result
// that is not GoOn, call-all for trigger, waitpid claimed by one module.
import { HandlerResult } from '@libs/fdevent';
import { PluginDispatcher } from './dispatcher';
import type { Plugin } from './plugin';

interface Req {
  calls: string[];
}

function mod(name: string, results: Partial<Record<'uriClean' | 'subStart', HandlerResult>>): Plugin<Req, Req, Req> {
  return {
    name,
    handleUriClean: (r) => (r.calls.push(`${name}:uriClean`), results.uriClean ?? HandlerResult.GoOn),
    handleSubrequestStart: (r) => (r.calls.push(`${name}:subStart`), results.subStart ?? HandlerResult.GoOn),
    handleTrigger: (r) => (r.calls.push(`${name}:trigger`), HandlerResult.GoOn),
  };
}

test('hooks run in module order and stop at the first result that is not GoOn', () => {
  const d = new PluginDispatcher([mod('mod_a', {}), mod('mod_b', { uriClean: HandlerResult.Finished }), mod('mod_c', {})]);
  const r: Req = { calls: [] };
  expect(d.callRequest('handleUriClean', r)).toBe(HandlerResult.Finished);
  expect(r.calls).toEqual(['mod_a:uriClean', 'mod_b:uriClean']);
});

test('all GoOn gives GoOn after every module ran', () => {
  const d = new PluginDispatcher([mod('mod_a', {}), mod('mod_b', {})]);
  const r: Req = { calls: [] };
  expect(d.callRequest('handleSubrequestStart', r)).toBe(HandlerResult.GoOn);
  expect(r.calls).toEqual(['mod_a:subStart', 'mod_b:subStart']);
});

test('Comeback, WaitForEvent and Error short-circuit too', () => {
  for (const res of [HandlerResult.Comeback, HandlerResult.WaitForEvent, HandlerResult.Error]) {
    const d = new PluginDispatcher([mod('mod_a', { subStart: res }), mod('mod_b', {})]);
    const r: Req = { calls: [] };
    expect(d.callRequest('handleSubrequestStart', r)).toBe(res);
    expect(r.calls).toEqual(['mod_a:subStart']);
  }
});

test('tables skip modules without the hook', () => {
  const empty: Plugin<Req, Req, Req> = { name: 'mod_empty' };
  const d = new PluginDispatcher([empty, mod('mod_a', {})]);
  expect(d.count('handleUriClean')).toBe(1);
  expect(d.count('handleUriRaw')).toBe(0);
  expect(d.callRequest('handleUriRaw', { calls: [] })).toBe(HandlerResult.GoOn);
});

test('the trigger reaches every module even after one fails', () => {
  const failing: Plugin<Req, Req, Req> = { name: 'mod_fail', handleTrigger: (r) => (r.calls.push('mod_fail:trigger'), HandlerResult.Error) };
  const d = new PluginDispatcher([failing, mod('mod_a', {})]);
  const s: Req = { calls: [] };
  expect(d.trigger(s)).toBe(HandlerResult.Error);
  expect(s.calls).toEqual(['mod_fail:trigger', 'mod_a:trigger']);
});

test('waitpid stops at the module that claims the pid', () => {
  const seen: string[] = [];
  const claim = (name: string, pid: number): Plugin => ({
    name,
    handleWaitpid: (_s, p) => (seen.push(name), p === pid ? HandlerResult.Finished : HandlerResult.GoOn),
  });
  const d = new PluginDispatcher([claim('mod_a', 1), claim('mod_b', 2), claim('mod_c', 2)]);
  expect(d.waitpid(null, 2, 0)).toBe(HandlerResult.Finished);
  expect(seen).toEqual(['mod_a', 'mod_b']);
  expect(d.waitpid(null, 9, 0)).toBe(HandlerResult.GoOn);
});

test('subrequest runs only the handler module', () => {
  const a = mod('mod_a', {});
  const handler: Plugin<Req, Req, Req> = { name: 'mod_h', handleSubrequest: (r) => (r.calls.push('mod_h:run'), HandlerResult.Finished) };
  const d = new PluginDispatcher([a, handler]);
  const r: Req = { calls: [] };
  expect(d.subrequest(handler, r)).toBe(HandlerResult.Finished);
  expect(r.calls).toEqual(['mod_h:run']);
});
