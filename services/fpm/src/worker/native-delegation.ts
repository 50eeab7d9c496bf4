// The light Request and Response answer a few properties themselves; every other property and
// method of the native class is defined on them here to build the native object and ask it.

/** The method that builds (once) and returns the native object; a symbol, so handlers never see it. */
export const toNative = Symbol('toNative');

interface HasNative {
  [toNative](): object;
}

export function delegateToNative(light: { prototype: HasNative }, native: { prototype: object }): void {
  const target = light.prototype;
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(native.prototype))) {
    if (name === 'constructor' || Object.prototype.hasOwnProperty.call(target, name)) continue;
    if (descriptor.get !== undefined) {
      Object.defineProperty(target, name, {
        configurable: true,
        enumerable: descriptor.enumerable,
        get(this: HasNative) {
          return Reflect.get(this[toNative](), name);
        },
      });
    } else if (typeof descriptor.value === 'function') {
      const method = descriptor.value as (...args: unknown[]) => unknown;
      Object.defineProperty(target, name, {
        configurable: true,
        enumerable: descriptor.enumerable,
        writable: true,
        // Keeps the method's own name for stacks and inspection.
        value: { [name](this: HasNative, ...args: unknown[]) { return method.apply(this[toNative](), args); } }[name],
      });
    }
  }
  // instanceof the native class, and its Symbol.toStringTag, through the prototype chain.
  Object.setPrototypeOf(target, native.prototype);
}
