/**
 * The server side of the Manager's built-in data types: what `dict`,
 * `list`, `namespace`, `value` and `array` hold on the server, and which
 * methods a proxy may call on them.
 *
 * A type is a factory (arguments of `manager.dict(…)` → the object) and a
 * table of exposed methods (object, arguments, call context → result). Only
 * names in that table can be called: a request for any other name is
 * refused by the server before anything runs. Results and arguments cross
 * by value (the codec), except Manager proxies, which cross as proxies.
 *
 * Dict keys keep their types (a `Map`: `1`, `"1"` and `0.25` are three
 * keys). Object keys are refused: after crossing they would be new objects
 * that never match.
 *
 * @module
 */

/** What a server-side method sees besides its arguments. */
export interface CallContext {
  /** Aborted when the caller cancels or disconnects. */
  signal: AbortSignal;
  /** The connection the call came from; stable for its lifetime. */
  client: ClientHandle;
}

/** A connected client, as server objects see it. */
export interface ClientHandle {
  /** Registers `fn` to run once when the client disconnects. */
  onClose(fn: () => void): void;
}

/** One exposed method of a server type. */
// deno-lint-ignore no-explicit-any
export type Method = (obj: any, args: unknown[], ctx: CallContext) => unknown;

/** A server-side type: its factory and its exposed methods. */
export interface ServerType {
  /** Builds a new object from the creation arguments. */
  create(args: unknown[]): unknown;
  /** The methods a proxy may call, by name. */
  methods: Record<string, Method>;
  /** Finds a method per object instead (custom types); overrides `methods`. */
  resolve?(obj: unknown, name: string): Method | undefined;
}

function checkKey(key: unknown): unknown {
  if (typeof key === "object" && key !== null || typeof key === "function") {
    throw new TypeError(
      `Cannot use an object as a dict key as it would never match after crossing: received ${
        Object.prototype.toString.call(key)
      }; use a string, number, bigint or boolean`,
    );
  }
  return key;
}

function index(list: unknown[], i: unknown, action: string): number {
  if (typeof i !== "number" || !Number.isInteger(i)) {
    throw new TypeError(
      `Cannot ${action} as index must be an integer: received ${String(i)}`,
    );
  }
  const at = i < 0 ? list.length + i : i;
  if (at < 0 || at >= list.length) {
    throw new RangeError(
      `Cannot ${action} as index is out of range for length ${list.length}: received ${i}`,
    );
  }
  return at;
}

function rank(value: unknown): number {
  switch (typeof value) {
    case "number":
    case "bigint":
    case "boolean":
      return 0;
    case "string":
      return 1;
    default:
      return -1;
  }
}

/** Python's default ordering: numbers with numbers, strings with strings. */
function compare(a: unknown, b: unknown): number {
  const ra = rank(a), rb = rank(b);
  if (ra < 0 || ra !== rb) {
    throw new TypeError(
      `Cannot sort list as its items are not comparable: received ${typeof a} and ${typeof b}`,
    );
  }
  // deno-lint-ignore no-explicit-any
  return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0;
}

const dict: ServerType = {
  create: ([entries]) => {
    const map = new Map();
    if (entries !== undefined) {
      for (const [k, v] of entries as Iterable<[unknown, unknown]>) {
        map.set(checkKey(k), v);
      }
    }
    return map;
  },
  methods: {
    get: (m: Map<unknown, unknown>, [k]) => m.get(k),
    set: (m: Map<unknown, unknown>, [k, v]) => void m.set(checkKey(k), v),
    has: (m: Map<unknown, unknown>, [k]) => m.has(k),
    delete: (m: Map<unknown, unknown>, [k]) => m.delete(k),
    keys: (m: Map<unknown, unknown>) => [...m.keys()],
    values: (m: Map<unknown, unknown>) => [...m.values()],
    entries: (m: Map<unknown, unknown>) => [...m.entries()],
    size: (m: Map<unknown, unknown>) => m.size,
    clear: (m: Map<unknown, unknown>) => m.clear(),
    update: (m: Map<unknown, unknown>, [entries]) => {
      for (const [k, v] of entries as [unknown, unknown][]) {
        m.set(checkKey(k), v);
      }
    },
    pop: (m: Map<unknown, unknown>, [k, fallback]) => {
      if (!m.has(k)) return fallback;
      const v = m.get(k);
      m.delete(k);
      return v;
    },
    setdefault: (m: Map<unknown, unknown>, [k, fallback]) => {
      if (!m.has(k)) m.set(checkKey(k), fallback);
      return m.get(k);
    },
    toMap: (m: Map<unknown, unknown>) => m,
  },
};

const list: ServerType = {
  create: ([items]) => items === undefined ? [] : [...items as unknown[]],
  methods: {
    get: (l: unknown[], [i]) => l[index(l, i, "get list item")],
    set: (l: unknown[], [i, v]) => void (l[index(l, i, "set list item")] = v),
    append: (l: unknown[], [v]) => void l.push(v),
    extend: (l: unknown[], [vs]) => void l.push(...vs as unknown[]),
    pop: (l: unknown[], [i = -1]) =>
      l.splice(index(l, i, "pop from list"), 1)[0],
    insert: (l: unknown[], [i, v]) => {
      if (typeof i !== "number" || !Number.isInteger(i)) {
        throw new TypeError(
          `Cannot insert into list as index must be an integer: received ${
            String(i)
          }`,
        );
      }
      const at = Math.max(0, Math.min(l.length, i < 0 ? l.length + i : i));
      l.splice(at, 0, v);
    },
    remove: (l: unknown[], [v]) => {
      const at = l.findIndex((x) => Object.is(x, v) || x === v);
      if (at < 0) {
        throw new RangeError(
          `Cannot remove value from list as it is not there: received ${
            String(v)
          }`,
        );
      }
      l.splice(at, 1);
    },
    index: (l: unknown[], [v]) => {
      const at = l.findIndex((x) => Object.is(x, v) || x === v);
      if (at < 0) {
        throw new RangeError(
          `Cannot find value in list as it is not there: received ${String(v)}`,
        );
      }
      return at;
    },
    count: (l: unknown[], [v]) =>
      l.filter((x) => Object.is(x, v) || x === v).length,
    reverse: (l: unknown[]) => void l.reverse(),
    sort: (l: unknown[], [options]) => {
      l.sort(compare);
      if ((options as { reverse?: boolean } | undefined)?.reverse) l.reverse();
    },
    length: (l: unknown[]) => l.length,
    toArray: (l: unknown[]) => l,
    slice: (l: unknown[], [start, end]) =>
      l.slice(start as number | undefined, end as number | undefined),
    clear: (l: unknown[]) => void l.splice(0),
  },
};

const namespace: ServerType = {
  create: ([init]) => Object.assign(Object.create(null), init ?? {}),
  methods: {
    get: (o: Record<string, unknown>, [k]) => o[String(k)],
    set: (o: Record<string, unknown>, [k, v]) => void (o[String(k)] = v),
    has: (o: Record<string, unknown>, [k]) => String(k) in o,
    delete: (o: Record<string, unknown>, [k]) => delete o[String(k)],
    toObject: (o: Record<string, unknown>) => ({ ...o }),
  },
};

const value: ServerType = {
  create: ([initial]) => ({ value: initial }),
  methods: {
    get: (o: { value: unknown }) => o.value,
    set: (o: { value: unknown }, [v]) => void (o.value = v),
  },
};

const array: ServerType = {
  create: ([items]) => [...(items ?? []) as unknown[]],
  methods: {
    get: (l: unknown[], [i]) => l[index(l, i, "get array item")],
    set: (l: unknown[], [i, v]) => void (l[index(l, i, "set array item")] = v),
    length: (l: unknown[]) => l.length,
    toArray: (l: unknown[]) => l,
  },
};

/** The built-in collection types, by type id. */
export const COLLECTION_TYPES: Record<string, ServerType> = {
  dict,
  list,
  namespace,
  value,
  array,
};
