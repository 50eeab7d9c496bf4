// The condition evaluator for @libs/plugins' ConfigConditions: what each $HTTP[...] /
// $REQUEST_HEADER[...] / $SERVER["socket"] subject reads from a request (lighttpd 1.4.69
// configfile-glue.c config_check_cond_nocache), compared by the config layer's evaluateCondition.
import type { ConditionEvaluator, ConditionMatch } from '@libs/plugins';
import { evaluateCondition, type Condition } from '../config';
import type { Request } from '../core/request';

function subjectValue(c: Condition, r: Request): string | undefined {
  switch (c.subject.kind) {
    case 'url':
      return r.url;
    case 'host':
      return r.head.host;
    case 'remote-ip':
      return r.remoteIp;
    case 'query-string':
      return r.queryString;
    case 'scheme':
      return r.scheme;
    case 'request-method':
      return r.head.method;
    case 'server-socket':
      return r.serverSocket;
    case 'request-header':
      return r.header(c.subject.name.toLowerCase());
  }
}

export const httpConditionEvaluator: ConditionEvaluator<Condition, Request> = {
  evaluate(condition: Condition, r: Request): ConditionMatch {
    return evaluateCondition(condition, subjectValue(condition, r));
  },
};

/** $SERVER["socket"] conditions, for directives of socket scope. */
export const isSocketCondition = (c: Condition): boolean => c.subject.kind === 'server-socket';
