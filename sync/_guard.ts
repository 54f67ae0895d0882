/**
 * Guards that release once: every `acquire()` of `sync/` returns one, so
 * that a `using` scope and an explicit `release()` on the same guard never
 * release twice.
 *
 * @module
 */
import type { Guard } from "./guard.ts";

/** Builds a guard that calls `release` at most once. */
export function guardOf(release: () => void): Guard {
  let held = true;
  const once = (): void => {
    if (!held) return;
    held = false;
    release();
  };
  return { release: once, [Symbol.dispose]: once };
}
