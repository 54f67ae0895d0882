/**
 * A Manager server's beacon: one small `SharedArrayBuffer` shared by the
 * server and every same-process lane to it (`_local_ring.ts`).
 *
 * | word | meaning                                                       |
 * | ---: | ------------------------------------------------------------- |
 * |    0 | alive: 1 while the server serves, 0 once it is gone           |
 * |    1 | bell: a counter a client bumps (and notifies) after each write |
 *
 * "Gone" covers every way a server ends: it closed, it crashed, it exited,
 * or its Worker was terminated. The server writes it when it closes, its
 * Worker's bootstrap when the thread ends or fails, and the thread that
 * started the Worker when it reports an error or is terminated, so a
 * client waiting on a lane learns it even when the server could not say
 * so. The bell lets the server sleep on one word for all its lanes.
 *
 * @module
 */

/** Words of a server's beacon. */
export const Beacon = { alive: 0, bell: 1 } as const;

/** Allocates a server's beacon, alive. */
export function createBeacon(): Int32Array {
  const beacon = new Int32Array(new SharedArrayBuffer(8));
  Atomics.store(beacon, Beacon.alive, 1);
  return beacon;
}

/** Bumps the bell of `beacon` and wakes the server sleeping on it. */
export function ringBell(beacon: Int32Array): void {
  Atomics.add(beacon, Beacon.bell, 1);
  Atomics.notify(beacon, Beacon.bell);
}

/** Marks the server of `beacon` gone. Idempotent. */
export function markGone(beacon: Int32Array): void {
  Atomics.store(beacon, Beacon.alive, 0);
  Atomics.notify(beacon, Beacon.alive);
  ringBell(beacon);
}

/** Whether the server of `beacon` is gone. */
export function isGone(beacon: Int32Array): boolean {
  return Atomics.load(beacon, Beacon.alive) !== 1;
}
