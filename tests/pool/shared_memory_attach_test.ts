import assert from "node:assert/strict";
import { Pool } from "../../pool/pool.ts";
import type { RemoteError } from "../../pool/errors.ts";
import { SharedMemory } from "../../shared/shared_memory.ts";
import { bumpNamed } from "../fixtures/pool_shared_memory_tasks.ts";
import { test } from "../_leak_check.ts";

const module = new URL(
  "../fixtures/pool_shared_memory_tasks.ts",
  import.meta.url,
);

test("Pool workers attach a SharedMemory block by name created after the pool started", async () => {
  await using pool = new Pool({ processes: 2, module });
  // The workers are up, and know no block of that name yet.
  await assert.rejects(
    pool.apply(bumpNamed, ["pool-attach-test"]),
    (error: RemoteError) => error.remoteName === "NotFound",
  );
  const block = SharedMemory.create({ name: "pool-attach-test", size: 8 });
  try {
    const names = Array.from({ length: 20 }, () => "pool-attach-test");
    const seen = await pool.map(bumpNamed, names, { chunksize: 1 });
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [...Array(20).keys()].map((i) => i + 1),
    );
    assert.equal(block.buffer[0], 20);
  } finally {
    block.close();
    block.unlink();
  }
});
