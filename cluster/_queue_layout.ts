/**
 * A `RedisQueue` in Redis: the list `mp:queue:{name}` (items as codec
 * bytes, put at the tail, taken from the head), the flag
 * `mp:queue:{name}:closed` and the number `mp:queue:{name}:maxsize`.
 *
 * Closing sets the flag and puts one empty string at the tail: the codec
 * never encodes a value as no bytes, so it marks the end. Consumers drain
 * the items before it; one that takes the mark puts it back at the head
 * (for the next consumer, and for a consumer blocked in `BLPOP` on another
 * machine, which wakes on it) and reports the queue closed. `put` checks
 * the flag and the size and pushes in one script, so a full or closed
 * queue never takes an item.
 *
 * @module
 */
import { Script } from "./_redis_client.ts";

/** The keys of queue `name`: list, closed flag, maxsize. */
export function queueKeys(name: string): [string, string, string] {
  const base = `mp:queue:{${name}}`;
  return [base, `${base}:closed`, `${base}:maxsize`];
}

/** Puts ARGV[1] unless closed (-1) or full (0). */
export const PUT = new Script(
  3,
  `if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local max = tonumber(redis.call('GET', KEYS[3]) or '0')
if max > 0 and redis.call('LLEN', KEYS[1]) >= max then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1`,
);
/** Marks the queue closed and puts the end mark once. */
export const CLOSE = new Script(
  2,
  `if redis.call('SET', KEYS[2], '1', 'NX') then redis.call('RPUSH', KEYS[1], '') end
return 1`,
);
/** The items, not counting the end mark. */
export const SIZE = new Script(
  2,
  `local n = redis.call('LLEN', KEYS[1])
if n > 0 and redis.call('EXISTS', KEYS[2]) == 1 then n = n - 1 end
return n`,
);
