// The light Request and Response answer a few properties themselves and hand every other one to
// a native object built on first use. Node 20 defines Request and Response as lazy globals whose
// first use loads undici, about 5 MiB of heap in every process; the light classes reach them
// through Node's original accessors, so a worker whose handlers stay on the light path never
// loads undici at all.

/** The method that builds (once) and returns the native object; a symbol, so handlers never see it. */
export const toNative = Symbol('toNative');

export interface NativeFetchClasses {
  readonly Request: typeof Request;
  readonly Response: typeof Response;
}

type Load = () => unknown;

/** The global's original getter (Node's lazy loader), or its value where it has none. */
function original(name: 'Request' | 'Response'): Load {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  const get = descriptor?.get;
  if (get !== undefined) return () => get.call(globalThis);
  const value: unknown = descriptor?.value;
  return () => value;
}

const loadRequest = original('Request');
const loadResponse = original('Response');
let natives: NativeFetchClasses | null = null;
const onLoad: ((classes: NativeFetchClasses) => void)[] = [];

/** Node's own Request and Response (loading undici the first time). */
export function nativeFetchClasses(): NativeFetchClasses {
  if (natives === null) {
    natives = { Request: loadRequest() as typeof Request, Response: loadResponse() as typeof Response };
    for (const link of onLoad.splice(0)) link(natives);
  }
  return natives;
}

interface HasNative {
  [toNative](): object;
}

/** The members of the native class a light class does not answer itself (Node 20's undici). */
export interface DelegatedMembers {
  readonly getters: readonly string[];
  readonly methods: readonly string[];
}

/**
 * Defines each member on the light class as a call on its native object, and, once the native
 * classes are loaded, puts the native prototype behind the light one (instanceof, inspection).
 */
export function delegateToNative(
  light: { prototype: HasNative },
  tag: 'Request' | 'Response',
  members: DelegatedMembers,
  nativeOf: (classes: NativeFetchClasses) => { prototype: object },
): void {
  const target = light.prototype;
  for (const name of members.getters) {
    Object.defineProperty(target, name, {
      configurable: true,
      get(this: HasNative) {
        return Reflect.get(this[toNative](), name);
      },
    });
  }
  for (const name of members.methods) {
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      // Keeps the method's own name for stacks and inspection.
      value: {
        [name](this: HasNative, ...args: unknown[]) {
          const native = this[toNative]();
          return (Reflect.get(native, name) as (...a: unknown[]) => unknown).apply(native, args);
        },
      }[name],
    });
  }
  Object.defineProperty(target, Symbol.toStringTag, { configurable: true, value: tag });
  const link = (classes: NativeFetchClasses): void => void Object.setPrototypeOf(target, nativeOf(classes).prototype);
  if (natives !== null) link(natives);
  else onLoad.push(link);
}
