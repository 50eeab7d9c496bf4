// White-box tests of the authorizer's head reading (lighttpd 1.4.69 http_response_process_headers
// with opts->authorizer) and of r->env as http_header_env_append keeps it.
import type { Request } from '../../core/request';
import { appendBackendEnv, backendEnv } from './authorizer';
import { parseCgiHead } from './response-head';

const head = (text: string, variables: Array<[string, string]>) => parseCgiHead(Buffer.from(text, 'latin1'), '/p', variables);

test('an approving head: Status and Variable-* count, every other line is left out', () => {
  const vars: Array<[string, string]> = [];
  const r = head('Content-Type: text/html\r\nVariable-Auth-User: alice\r\nLocation: /x\r\nStatus: 200 OK\r\nvariable-Role: admin\r\n\r\nbody', vars);
  expect(r).toEqual({ kind: 'head', status: 200, headers: [], bodyStart: 106, lengthHeader: null });
  expect(vars).toEqual([
    ['Auth-User', 'alice'],
    ['Role', 'admin'],
  ]);
});

test('a denying head: lines after a Status other than 200 are the response, lines before it are not', () => {
  const vars: Array<[string, string]> = [];
  const r = head('X-Before: 1\r\nStatus: 403\r\nContent-Type: text/plain\r\nVariable-Late: v\r\n\r\n', vars);
  expect(r).toMatchObject({ kind: 'head', status: 403, headers: ['Content-Type', 'text/plain', 'Variable-Late', 'v'] });
  expect(vars).toEqual([]);
  // "Variable-" alone names nothing; an invalid Status is 502 as for a responder
  expect(head('Variable-: x\r\n\r\n', vars)).toMatchObject({ kind: 'head', status: 0, headers: [] });
  expect(vars).toEqual([]);
  expect(head('Status: abc\r\n\r\n', [])).toEqual({ kind: 'bad', log: null });
});

test('r->env: names compared without case, the first spelling kept, repeated values joined with ", "', () => {
  const r = {} as Request;
  expect(backendEnv(r)).toEqual([]);
  appendBackendEnv(r, 'Auth-User', 'alice');
  appendBackendEnv(r, 'ROLE', 'admin');
  appendBackendEnv(r, 'role', 'editor');
  expect(backendEnv(r)).toEqual([
    ['Auth-User', 'alice'],
    ['ROLE', 'admin, editor'],
  ]);
});
