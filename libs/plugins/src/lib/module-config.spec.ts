// Per-request config snapshots: defaults, global values, nested blocks and else-chains, evaluated
// with a simple evaluator (field lookups in a plain object) as the service would supply.
import { HandlerResult } from '@libs/fdevent';
import { ConfigConditions, type ConditionEvaluator, type ConfigContextLike, type ConfigTreeLike } from './conditions';
import type { ConfigValueLike, DirectiveSpec } from './directives';
import { PluginDispatcher } from './dispatcher';
import { ModuleConfig } from './module-config';

interface Cond {
  field: string;
  operator: '==' | '=~';
  value: string;
  regex?: RegExp;
}
type Req = Record<string, string>;

let evaluations = 0;
const evaluator: ConditionEvaluator<Cond, Req> = {
  evaluate(c, r) {
    evaluations++;
    const v = r[c.field] ?? '';
    if (c.operator === '==') return { matched: v === c.value, captures: null };
    const m = (c.regex as RegExp).exec(v);
    return { matched: m !== null, captures: m === null ? null : m.map((x) => x ?? '') };
  },
};

const s = (value: string): ConfigValueLike => ({ type: 'string', value });
const n = (value: number): ConfigValueLike => ({ type: 'integer', value });

function ctx(index: number, condition: Cond | null, parent: number | null, prev: number | null, values: Record<string, ConfigValueLike>): ConfigContextLike<Cond> {
  return { index, condition, parent, prev, directives: new Map(Object.entries(values).map(([k, value]) => [k, { value, file: 'test.conf', line: index + 1 }])) };
}

/*
 * global:                      demo.name = "global", demo.level = 1
 * 1 $HTTP["host"] == "a" {     demo.name = "a"
 * 2   $HTTP["url"] =~ "^/x" {  demo.level = 2
 *     }
 *   }
 * 3 else $HTTP["host"] == "b" { demo.name = "b" }
 * 4 else {                     demo.name = "other" }
 * 5 $HTTP["url"] =~ "^/y" {    demo.flag = "enable" }
 */
const tree: ConfigTreeLike<Cond> = {
  contexts: [
    ctx(0, null, null, null, { 'demo.name': s('global'), 'demo.level': n(1) }),
    ctx(1, { field: 'host', operator: '==', value: 'a' }, 0, null, { 'demo.name': s('a') }),
    ctx(2, { field: 'url', operator: '=~', value: '^/x(.*)', regex: /^\/x(.*)/ }, 1, null, { 'demo.level': n(2) }),
    ctx(3, { field: 'host', operator: '==', value: 'b' }, 0, 1, { 'demo.name': s('b') }),
    ctx(4, null, 0, 3, { 'demo.name': s('other') }),
    ctx(5, { field: 'url', operator: '=~', value: '^/y', regex: /^\/y/ }, 0, null, { 'demo.flag': s('enable') }),
  ],
};

const specs: DirectiveSpec[] = [
  { key: 'demo.name', type: 'string', scope: 'connection' },
  { key: 'demo.level', type: 'short', scope: 'connection' },
  { key: 'demo.flag', type: 'boolean', scope: 'connection', default: false },
];

const config = ModuleConfig.compile(specs, tree);
const conditions = new ConfigConditions(tree, evaluator);
const snap = (r: Req) => config.snapshot(conditions.forRequest(r));

test('no matching block: the global values over the declared defaults, shared and frozen', () => {
  const a = snap({ host: 'c', url: '/' });
  expect(a).toEqual({ 'demo.name': 'other', 'demo.level': 1, 'demo.flag': false });
  expect(config.defaults).toEqual({ 'demo.name': 'global', 'demo.level': 1, 'demo.flag': false });
  expect(Object.isFrozen(config.defaults)).toBe(true);
  expect(config.patchCount).toBe(5);
});

test('nested blocks apply only inside their parent', () => {
  expect(snap({ host: 'a', url: '/x1' })).toEqual({ 'demo.name': 'a', 'demo.level': 2, 'demo.flag': false });
  expect(snap({ host: 'a', url: '/z' })).toEqual({ 'demo.name': 'a', 'demo.level': 1, 'demo.flag': false });
  expect(snap({ host: 'b', url: '/x1' })).toEqual({ 'demo.name': 'b', 'demo.level': 1, 'demo.flag': false });
});

test('an else-chain takes the first branch that matches, the bare else only when none did', () => {
  expect(snap({ host: 'a' })['demo.name']).toBe('a');
  expect(snap({ host: 'b' })['demo.name']).toBe('b');
  expect(snap({ host: 'zzz' })['demo.name']).toBe('other');
});

test('independent blocks combine; later blocks win', () => {
  expect(snap({ host: 'b', url: '/y' })).toEqual({ 'demo.name': 'b', 'demo.level': 1, 'demo.flag': true });
});

test('evaluation is cached per request; reset() evaluates again', () => {
  const conds = conditions.forRequest({ host: 'a', url: '/x9' });
  evaluations = 0;
  const first = config.snapshot(conds);
  const counted = evaluations;
  expect(config.snapshot(conds)).toBe(first);
  expect(conds.matches(2)).toBe(true);
  expect(evaluations).toBe(counted);
  expect(conds.captures(2)).toEqual(['/x9', '9']);
  conds.request['url'] = '/z';
  conds.reset();
  expect(config.snapshot(conds)['demo.level']).toBe(1);
});

test('a bad value names the directive, file and line', () => {
  const bad: ConfigTreeLike<Cond> = { contexts: [ctx(0, null, null, null, { 'demo.level': s('many') })] };
  expect(() => ModuleConfig.compile(specs, bad)).toThrow(expect.objectContaining({ code: 'PLUGINS_ERR_DIRECTIVE_TYPE', message: '"demo.level" is not a number in test.conf:1' }));
});

test('parse turns values into frozen start-up data; socket scope is enforced', () => {
  const t: ConfigTreeLike<Cond> = {
    contexts: [
      ctx(0, null, null, null, { 'expire.url': { type: 'array', items: [{ key: '/img/', value: s('access plus 1 days') }] } }),
      ctx(1, { field: 'host', operator: '==', value: 'a' }, 0, null, { 'demo.sock': s('x') }),
    ],
  };
  const table: DirectiveSpec[] = [
    { key: 'expire.url', type: 'array-kv-string', scope: 'connection', parse: (v) => new Map(v as ReadonlyArray<readonly [string, string]>) },
  ];
  const c = ModuleConfig.compile(table, t);
  expect(c.defaults['expire.url']).toEqual(new Map([['/img/', 'access plus 1 days']]));
  const sockSpec: DirectiveSpec[] = [{ key: 'demo.sock', type: 'string', scope: 'socket' }];
  expect(() => ModuleConfig.compile(sockSpec, t)).toThrow(expect.objectContaining({ code: 'PLUGINS_ERR_DIRECTIVE_SCOPE' }));
  expect(ModuleConfig.compile(sockSpec, t, { isSocketCondition: (cond) => cond.field === 'host' }).patchCount).toBe(1);
});

test('the dispatcher compiles each module table and runs setDefaults once', () => {
  let seen: unknown;
  const d = new PluginDispatcher([
    { name: 'mod_demo', directives: specs, setDefaults: ({ config: cfg }) => ((seen = cfg.defaults['demo.name']), HandlerResult.GoOn) },
    { name: 'mod_picky', setDefaults: () => HandlerResult.Error },
  ]);
  expect(() => d.setDefaults(tree)).toThrow(expect.objectContaining({ code: 'PLUGINS_ERR_SET_DEFAULTS' }));
  expect(seen).toBe('global');
  expect(d.moduleConfig('mod_demo')?.snapshot(conditions.forRequest({ host: 'a' }))['demo.name']).toBe('a');
});
