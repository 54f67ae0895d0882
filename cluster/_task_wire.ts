/**
 * The Redis keys and stream entries of a cluster pool.
 *
 * Keys share the hash tag `{name}` so that one `MULTI` may touch them all:
 *
 * | key                              | what                                   |
 * | -------------------------------- | -------------------------------------- |
 * | `mp:pool:{name}:tasks`           | task stream, consumer group `nodes`    |
 * | `mp:pool:{name}:results:<caller>`| one caller's results (expire after 1 h)|
 * | `mp:pool:{name}:dead`            | dead letters (capped near 10,000)      |
 * | `mp:pool:{name}:caller:<caller>` | a caller's marker: gone = data lost    |
 *
 * A task entry is one chunk of items of one call:
 * `c` caller id, `f` export name, `h` source hash (`""` when the caller
 * named the export by string), `a` attempt (1 on first submission), `m` the
 * caller's `maxAttempts`, `p` codec bytes of `[ids, argLists]`. Item ids are
 * the caller's own counter, so a result is matched to its item by
 * `(caller, id)`, however many times it was run.
 *
 * A result entry is `p`: codec bytes of `[ids, oks, values]`, where a failed
 * item's value is the thrown error.
 *
 * A dead letter is one item: `c`, `f`, `i` (item id), `a` (attempts made),
 * `n` (the node that gave up), `args` and `e` (codec bytes of the argument
 * list and of the last error).
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Redis } from "./_redis_client.ts";
import { pack, unpack } from "./_stored_value.ts";

/** The consumer group of the worker nodes. */
export const GROUP = "nodes";

/** How long a caller's result stream lives after its last write (ms). */
export const RESULT_TTL = 3_600_000;

/** Roughly how many dead letters are kept. */
export const DEAD_LETTER_CAP = 10_000;

/**
 * `name` when it is a valid pool name.
 *
 * @throws {TypeError} when it is not a non-empty string without braces.
 */
export function checkPoolName(name: unknown, action: string): string {
  if (typeof name !== "string" || name === "" || /[{}]/.test(name)) {
    throw new TypeError(
      `Cannot ${action} as name must be a non-empty string without braces: received ${
        JSON.stringify(name) ?? String(name)
      }`,
    );
  }
  return name;
}

/** Creates the task stream and its group unless they exist. */
export async function ensureGroup(redis: Redis, tasks: string): Promise<void> {
  try {
    await redis.xgroup("CREATE", tasks, GROUP, "0", "MKSTREAM");
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes("BUSYGROUP")) {
      throw error;
    }
  }
}

/** The keys of pool `name`. */
export interface PoolKeys {
  tasks: string;
  dead: string;
  results(caller: string): string;
  marker(caller: string): string;
}

/** The keys of pool `name`. */
export function poolKeys(name: string): PoolKeys {
  const base = `mp:pool:{${name}}`;
  return {
    tasks: `${base}:tasks`,
    dead: `${base}:dead`,
    results: (caller) => `${base}:results:${caller}`,
    marker: (caller) => `${base}:caller:${caller}`,
  };
}

/** One chunk of a call, as the node sees it. */
export interface TaskEntry {
  caller: string;
  fn: string;
  hash: string;
  attempt: number;
  maxAttempts: number;
  ids: number[];
  args: unknown[][];
}

/** The XADD field list of a task entry. */
export function taskFields(task: TaskEntry): (string | Buffer)[] {
  return [
    "c",
    task.caller,
    "f",
    task.fn,
    "h",
    task.hash,
    "a",
    String(task.attempt),
    "m",
    String(task.maxAttempts),
    "p",
    pack([task.ids, task.args], "args"),
  ];
}

/** The fields of a stream entry by name. */
export function fieldMap(fields: Buffer[]): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    map.set(fields[i]!.toString(), fields[i + 1]!);
  }
  return map;
}

/**
 * A task entry read back.
 *
 * @throws {TypeError} when a field is missing or malformed.
 */
export function parseTask(fields: Buffer[]): TaskEntry {
  const map = fieldMap(fields);
  const text = (name: string): string => {
    const value = map.get(name);
    if (value === undefined) {
      throw new TypeError(
        `Cannot read task entry as field "${name}" is missing`,
      );
    }
    return value.toString();
  };
  const payload = map.get("p");
  if (payload === undefined) {
    throw new TypeError(`Cannot read task entry as field "p" is missing`);
  }
  const [ids, args] = unpack(payload) as [number[], unknown[][]];
  if (
    !Array.isArray(ids) || !Array.isArray(args) || ids.length !== args.length
  ) {
    throw new TypeError("Cannot read task entry as its payload is malformed");
  }
  return {
    caller: text("c"),
    fn: text("f"),
    hash: text("h"),
    attempt: Number(text("a")),
    maxAttempts: Number(text("m")),
    ids,
    args,
  };
}

/** One item's outcome. */
export interface Outcome {
  id: number;
  ok: boolean;
  value: unknown;
}

/**
 * The result payload of `outcomes`. A value the codec refuses turns its
 * outcome into a failure carrying that `TypeError` (in place).
 */
export function packResults(outcomes: Outcome[]): Buffer {
  const ids = outcomes.map((o) => o.id);
  const oks = outcomes.map((o) => o.ok);
  const values = outcomes.map((o) => o.value);
  try {
    return pack([ids, oks, values], "result");
  } catch {
    for (const outcome of outcomes) refuseUnencodable(outcome);
    return pack(
      [ids, outcomes.map((o) => o.ok), outcomes.map((o) => o.value)],
      "result",
    );
  }
}

/** Turns an outcome whose value cannot be encoded into that failure. */
export function refuseUnencodable(outcome: Outcome): void {
  try {
    pack(outcome.value, "result");
  } catch (error) {
    outcome.ok = false;
    outcome.value = error instanceof Error
      ? error
      : new TypeError(String(error));
    try {
      pack(outcome.value, "error");
    } catch {
      outcome.value = new TypeError(String(outcome.value));
    }
  }
}

/** A result payload read back. */
export function parseResults(payload: Buffer): Outcome[] {
  const [ids, oks, values] = unpack(payload) as [
    number[],
    boolean[],
    unknown[],
  ];
  return ids.map((id, i) => ({ id, ok: oks[i] === true, value: values[i] }));
}

/**
 * A 32-bit FNV-1a hash of a function's source text, in hex: the caller
 * sends it, the node compares it with its export's (an alias or a
 * same-named function with other code must not run).
 */
export function sourceHash(source: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
