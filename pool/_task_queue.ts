/**
 * The dispatcher's queue of tasks waiting for a worker: an array read from
 * a moving head (no shifting per task), where tasks taken back from a
 * worker go in again at the front, in order, so they run next. A task
 * cancelled while queued stays in place, marked `done`, and is skipped.
 *
 * @module
 */
import type { PoolTask } from "./_pool_task.ts";

/** See the module note. */
export class TaskQueue {
  #items: PoolTask[] = [];
  #head = 0;

  /** Queued entries, settled ones not yet skipped included. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Queued tasks not yet settled. */
  pending(): number {
    let n = 0;
    for (let i = this.#head; i < this.#items.length; i++) {
      if (!this.#items[i]!.done) n++;
    }
    return n;
  }

  /** Adds a task at the back. */
  push(task: PoolTask): void {
    this.#items.push(task);
  }

  /** Removes and returns the next unsettled task, if any. */
  shift(): PoolTask | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const task = items[this.#head]!;
      items[this.#head++] = undefined as unknown as PoolTask;
      if (!task.done) return task;
    }
    return undefined;
  }

  /** Puts the unsettled `tasks` back at the front, in order. */
  unshift(tasks: PoolTask[]): void {
    const live = tasks.filter((task) => !task.done);
    if (this.#head >= live.length) {
      this.#head -= live.length;
      for (let i = 0; i < live.length; i++) {
        this.#items[this.#head + i] = live[i]!;
      }
    } else {
      this.#items.splice(this.#head, 0, ...live);
    }
  }

  /** Skips settled tasks at the front; frees the read part when large. */
  compact(): void {
    const items = this.#items;
    while (this.#head < items.length && items[this.#head]!.done) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Empties the queue; returns every entry it held. */
  drain(): PoolTask[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}
