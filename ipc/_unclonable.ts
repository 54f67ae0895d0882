/**
 * What the transfer walk (`_transfer.ts`) and the codec
 * (`_codec_refusal.ts`) both refuse to send as data, and the words of
 * their refusals. An instance of a class with methods (a method anywhere
 * on its prototype chain below `Object.prototype`; cached per prototype)
 * would arrive without them. A refusal names the value (`function f`,
 * `Symbol(s)`, `Map {…}`) and the path to it, one step per key (`.key`,
 * or `["odd key"]` when the key is not an identifier).
 *
 * @module
 */

const methodsCache = new WeakMap<object, boolean>();

/** Whether instances with prototype `proto` have methods (cached). */
export function hasMethods(proto: object): boolean {
  let known = methodsCache.get(proto);
  if (known === undefined) {
    known = false;
    for (
      let p: object | null = proto;
      p !== null && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    ) {
      for (const key of Reflect.ownKeys(p)) {
        if (key === "constructor") continue;
        const d = Object.getOwnPropertyDescriptor(p, key);
        if (d !== undefined && typeof d.value === "function") known = true;
      }
    }
    methodsCache.set(proto, known);
  }
  return known;
}

/** The step of a path through property `key`. */
export function keySeg(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `.${key}`
    : `[${JSON.stringify(key)}]`;
}

/** A short description of a function, symbol or object, for a refusal. */
export function describeValue(value: unknown): string {
  if (typeof value === "function") {
    return `function ${value.name || "(anonymous)"}`;
  }
  if (typeof value === "symbol") return value.toString();
  const name = (value as { constructor?: { name?: string } }).constructor
    ?.name;
  return `${name ?? "Object"} {…}`;
}
