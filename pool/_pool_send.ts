/**
 * How the dispatcher hands queued tasks to a worker: up to a count of them
 * in one `run` message (micro-batching), with the function definitions the
 * worker has not seen yet. A batch that cannot be cloned is sent again task
 * by task, so that only the tasks whose arguments cannot cross fail (with
 * the library's `TypeError`); the others go as usual.
 *
 * @module
 */
import type { PoolSlot } from "./_pool_slot.ts";
import type { PoolTask } from "./_pool_task.ts";
import { TASK_WORDS } from "./_protocol.ts";
import type { TaskQueue } from "./_task_queue.ts";

/**
 * Sends up to `count` tasks from `queue` to `slot`; a task that cannot be
 * sent is settled through `fail`. Returns how many were taken.
 */
export function sendBatch(
  slot: PoolSlot,
  queue: TaskQueue,
  count: number,
  fail: (task: PoolTask, error: unknown) => void,
): number {
  const batch: unknown[] = [];
  const tasks: PoolTask[] = [];
  const fnIds = new Set<number>();
  while (tasks.length < count) {
    const task = queue.shift();
    if (task === undefined) break;
    slot.assign(task);
    tasks.push(task);
    fnIds.add(task.fn.id);
    batch.push(task.seq, task.fn.id, task.kind, task.payload);
  }
  if (tasks.length === 0) return 0;
  const fns = slot.child.unsent(fnIds);
  try {
    slot.send({ t: "run", fns, batch });
  } catch {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      const one = batch.slice(i * TASK_WORDS, (i + 1) * TASK_WORDS);
      try {
        slot.send({ t: "run", fns: i === 0 ? fns : null, batch: one });
      } catch (error) {
        if (slot.takeBackOne(task)) slot.inflight.delete(task.seq);
        fail(
          task,
          new TypeError(
            `Cannot send task ${task.id} to a worker: ${
              (error as Error).message
            }`,
            { cause: error },
          ),
        );
      }
    }
  }
  return tasks.length;
}

/**
 * Work stealing: when some open worker is idle, the later half of the
 * unstarted tasks of the one with the most, taken back (oldest first).
 */
export function stealHalf(slots: Iterable<PoolSlot>): PoolTask[] {
  let idle = false;
  let donor: PoolSlot | undefined;
  let most = 1;
  for (const slot of slots) {
    if (!slot.open) continue;
    if (slot.inflight.size === 0) {
      idle = true;
      continue;
    }
    const unstarted = slot.unstarted();
    if (unstarted > most) {
      most = unstarted;
      donor = slot;
    }
  }
  if (!idle || donor === undefined) return [];
  return donor.takeBack(Math.floor(most / 2));
}
