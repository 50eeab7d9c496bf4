// mod_echo (lighttpd 1.4.69 src/mod_echo.c): a test and debugging module that answers requests to
// the exact path "/echo" with the request body, streamed: the body is moved from the request's
// queue to the response's as it arrives, so neither side holds more than the engine's marks.
import { HandlerResult } from '@libs/plugins';
import type { HttpPlugin } from '../core/plugin';
import type { Request } from '../core/request';

export function createModEcho(): HttpPlugin {
  return {
    name: 'mod_echo',
    handleUriClean(r: Request): HandlerResult {
      if (r.handler !== null || r.url !== '/echo') return HandlerResult.GoOn;
      r.handler = this as HttpPlugin;
      r.status = 200;
      // the head may go before the body is complete (lighttpd resp_body_started)
      r.respBodyStarted = true;
      return r.reqBodyLength === 0 ? HandlerResult.Finished : HandlerResult.GoOn;
    },
    handleSubrequest(r: Request): HandlerResult {
      // server.stream-request-body = 0: WaitForEvent until the whole body is in (temp files past 64 KiB)
      const rc = r.readBody();
      if (rc !== HandlerResult.GoOn) return rc;
      r.respBody.steal(r.reqBody);
      return r.reqBody.finished && r.reqBody.isEmpty ? HandlerResult.Finished : HandlerResult.WaitForEvent;
    },
  };
}
