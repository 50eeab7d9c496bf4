// The Fetch API globals a worker's handlers see: the light Response and a Request and fetch()
// that also take the light Request (see light-request.ts and light-response.ts).
import { WorkerRequest, workerFetch } from './light-request';
import { LightResponse } from './light-response';

export function installWorkerFetchGlobals(): void {
  if (globalThis.Response === (LightResponse as unknown)) return;
  globalThis.Response = LightResponse as unknown as typeof Response;
  globalThis.Request = WorkerRequest;
  globalThis.fetch = workerFetch;
}
