// The Fetch API globals a worker's handlers see: the light Response and a Request and fetch()
// that also take the light Request (see light-request.ts and light-response.ts). Headers and
// the rest stay Node's own.
import { workerFetch, workerRequestClass } from './light-request';
import { LightResponse } from './light-response';

export function installWorkerFetchGlobals(): void {
  const global = (value: unknown): PropertyDescriptor => ({ configurable: true, writable: true, enumerable: false, value });
  Object.defineProperty(globalThis, 'Response', global(LightResponse));
  // Like Node's own, made on first use: the subclass needs the native class, which loads undici.
  Object.defineProperty(globalThis, 'Request', {
    configurable: true,
    enumerable: false,
    get: workerRequestClass,
    set(value: unknown) {
      Object.defineProperty(globalThis, 'Request', global(value));
    },
  });
  globalThis.fetch = workerFetch;
}
