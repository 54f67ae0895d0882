/**
 * How the dispatcher hands queued tasks to a worker: up to a count of them
 * in one `run` message (micro-batching), with the function definitions the
 * worker has not seen yet. A batch that cannot be cloned is sent again task
 * by task, so that only the tasks whose arguments cannot cross fail (with
 * the library's `TypeError`); the others go as usual.
 *
 * A task whose arguments were moved (`move()`) to a worker stays there:
 * work stealing leaves it alone, and when that worker ended (or retired)
 * before running it, its bytes went with the worker, so it is not sent
 * again but rejects with a `WorkerExitError` that says so. So that such
 * tasks do not pile up on one worker (the first one up, while a new pool's
 * others are still being spawned, or one stuck in a long task), a worker
 * is sent one only while it holds fewer than `MOVED_AHEAD` unstarted ones;
 * the rest wait in the queue, in order, for a worker to free up.
 *
 * @module
 */
import type { PoolSlot } from "./_pool_slot.ts";
import type { PoolTask } from "./_pool_task.ts";
import { TASK_WORDS } from "./_protocol.ts";
import type { TaskQueue } from "./_task_queue.ts";
import { carriedMove, lostMove, willMove } from "./_transfer_list.ts";
import { WorkerExitError } from "./errors.ts";

/** Most unstarted tasks with moved buffers a worker is sent (module note). */
const MOVED_AHEAD = 2;

/** The worker each task that moved a buffer was last sent to. */
const movedTo = new WeakMap<PoolTask, PoolSlot>();

/** The error of `task`, whose moved buffer went with a worker that ended. */
function lostMoveError(task: PoolTask): WorkerExitError {
  const slot = movedTo.get(task);
  const name = slot?.child.name;
  const code = slot?.child.exitCode ?? null;
  const how = code === null
    ? "was retired"
    : code === -15 || code === -9
    ? `was terminated (exit code ${code})`
    : `ended with exit code ${code}`;
  return new WorkerExitError(
    `Worker "${
      name ?? "?"
    }" ${how} before running task ${task.id}, and the buffer the task moved there with move() went with it: do not use move() for tasks that must survive worker deaths`,
    {
      exitCode: code ?? 0,
      taskId: task.id,
      ...(name === undefined ? {} : { worker: name }),
    },
  );
}

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
  let movedAhead = -1;
  while (tasks.length < count) {
    const task = queue.shift();
    if (task === undefined) break;
    if (lostMove(task.payload)) {
      fail(task, lostMoveError(task));
      continue;
    }
    if (willMove(task.payload)) {
      if (movedAhead < 0) movedAhead = unstartedMoved(slot);
      if (movedAhead >= MOVED_AHEAD) {
        queue.unshift([task]);
        break;
      }
      movedAhead++;
    }
    slot.assign(task);
    tasks.push(task);
    fnIds.add(task.fn.id);
    batch.push(task.seq, task.fn.id, task.kind, task.payload);
  }
  if (tasks.length === 0) return 0;
  const fns = slot.child.unsent(fnIds);
  try {
    slot.send({ t: "run", fns, batch });
    for (const task of tasks) {
      if (carriedMove(task.payload)) movedTo.set(task, slot);
    }
  } catch {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      const one = batch.slice(i * TASK_WORDS, (i + 1) * TASK_WORDS);
      try {
        slot.send({ t: "run", fns: i === 0 ? fns : null, batch: one });
        if (carriedMove(task.payload)) movedTo.set(task, slot);
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

/** How many of `slot`'s unstarted tasks moved a buffer there. */
function unstartedMoved(slot: PoolSlot): number {
  let n = 0;
  for (const task of slot.inflight.values()) {
    if (carriedMove(task.payload) && !slot.started(task)) n++;
  }
  return n;
}

/**
 * How many of `slot`'s newest tasks may be taken back: its unstarted ones,
 * newer than its newest task that moved a buffer there.
 */
function stealable(slot: PoolSlot): number {
  let free = 0;
  for (const task of slot.inflight.values()) {
    free = carriedMove(task.payload) ? 0 : free + 1;
  }
  return Math.min(free, slot.unstarted());
}

/**
 * Work stealing: when some open worker is idle, the later half of the
 * unstarted tasks of the one with the most, taken back (oldest first).
 * Tasks that moved a buffer to their worker are not taken back.
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
    const unstarted = stealable(slot);
    if (unstarted > most) {
      most = unstarted;
      donor = slot;
    }
  }
  if (!idle || donor === undefined) return [];
  return donor.takeBack(Math.floor(most / 2));
}
