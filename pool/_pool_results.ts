/**
 * How the dispatcher reads a worker's `results` message: each result is
 * matched to the task the worker holds under its seq (a seq no longer held,
 * because its task was cancelled or timed out, is skipped), its timings go
 * to the stats, and the task settles: `OK` with the decoded value (a value
 * that cannot be decoded fails the task instead), `THREW` with a
 * `RemoteError` around the task's own exception, `FAILED` with the
 * library's error as it was raised in the worker.
 *
 * @module
 */
import {
  deserializeError,
  type ErrorRecord,
  fromTransferable,
} from "../ipc/_transfer.ts";
import type { PoolSlot } from "./_pool_slot.ts";
import type { StatsRecorder } from "./_pool_stats.ts";
import type { PoolTask } from "./_pool_task.ts";
import { FAILED, OK, RESULT_WORDS, THREW } from "./_protocol.ts";
import { RemoteError } from "./errors.ts";

/** Settles the tasks of `slot` that `batch` answers (see the module note). */
export function settleResults(
  slot: PoolSlot,
  batch: unknown[],
  stats: StatsRecorder,
  settle: (task: PoolTask, ok: boolean, value: unknown) => void,
): void {
  const epoch = slot.child.epoch;
  for (let i = 0; i < batch.length; i += RESULT_WORDS) {
    const seq = batch[i] as number;
    const task = slot.inflight.get(seq);
    if (task === undefined) continue;
    slot.inflight.delete(seq);
    const status = batch[i + 1] as number;
    const value = batch[i + 2];
    stats.sample(
      (batch[i + 3] as number) / 1000 + epoch - task.submitted,
      (batch[i + 4] as number) / 1000,
    );
    if (status === OK) {
      let decoded: unknown;
      try {
        decoded = fromTransferable(value);
      } catch (error) {
        settle(task, false, error);
        continue;
      }
      settle(task, true, decoded);
    } else if (status === THREW) {
      settle(
        task,
        false,
        new RemoteError(deserializeError(value as ErrorRecord)),
      );
    } else if (status === FAILED) {
      settle(task, false, deserializeError(value as ErrorRecord));
    }
  }
}
