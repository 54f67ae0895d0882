/**
 * How a `SharedMemory` handle finds its block in the process-wide tables
 * of `_block_table.ts`: a new block goes into this thread's primary table
 * under the caller's name or a random `psm_` one (drawn again until it is
 * free, as Python does); `attach(name)` looks through every table this
 * thread knows; a description reopens its entry, unless the block was
 * unlinked and closed meanwhile. A name is 1 to `MAX_NAME_BYTES` UTF-8
 * bytes, the room in a table entry.
 *
 * @module
 */
import {
  type Block,
  type BlockTable,
  joinBlockTable,
  knownTables,
  MAX_NAME_BYTES,
  primaryTable,
} from "./_block_table.ts";
import { quote } from "./_quote.ts";

/** A block and the table that holds it. */
export interface Found {
  table: BlockTable;
  block: Block;
}

const encoder = new TextEncoder();

function checkName(action: string, name: unknown): string {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot ${action} SharedMemory as name must be a string: received ${
        quote(name)
      }`,
    );
  }
  const bytes = encoder.encode(name).length;
  if (bytes === 0 || bytes > MAX_NAME_BYTES) {
    throw new RangeError(
      `Cannot ${action} SharedMemory as name must have 1 to ${MAX_NAME_BYTES} UTF-8 bytes: received ${
        quote(name)
      }`,
    );
  }
  return name;
}

/** Creates a block of `size` bytes, named `name` or at random. */
export function createBlock(name: unknown, size: number): Found {
  const table = primaryTable();
  if (name !== undefined) {
    const checked = checkName("create", name);
    const block = table.create(checked, size);
    if (block === undefined) {
      throw new Deno.errors.AlreadyExists(
        `Cannot create SharedMemory as a block named ${
          quote(checked)
        } already exists: attach to it, or unlink it first`,
      );
    }
    return { table, block };
  }
  for (;;) {
    const random = `psm_${
      Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, "0")
    }`;
    const block = table.create(random, size);
    if (block !== undefined) return { table, block };
  }
}

/** Finds the block named `name` in any table this thread knows. */
export function attachBlock(name: unknown): Found {
  checkName("attach", name);
  const tables = knownTables();
  if (tables.length === 0) tables.push(primaryTable());
  for (const table of tables) {
    const block = table.attach(name as string);
    if (block !== undefined) return { table, block };
  }
  throw new Deno.errors.NotFound(
    `Cannot attach SharedMemory as no block is named ${
      quote(name)
    } in this process: create it first (in a worker started by this package, or pass a SharedMemory to a plain Worker)`,
  );
}

/** Reopens the block a description names. */
export function reopenBlock(
  data: Block & { table: SharedArrayBuffer },
): Found {
  const table = joinBlockTable(data.table);
  if (!table.reopen(data.entry, data.generation)) {
    throw new Deno.errors.NotFound(
      `Cannot open SharedMemory ${
        quote(data.name)
      } as it was unlinked and closed before it arrived`,
    );
  }
  return {
    table,
    block: {
      entry: data.entry,
      generation: data.generation,
      offset: data.offset,
      size: data.size,
      name: data.name,
    },
  };
}
