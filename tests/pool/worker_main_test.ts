import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).href;

/** The module graph of `file` as Deno builds it, type-only imports included. */
async function graphOf(file: string): Promise<string[]> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(file, root).href],
    stderr: "null",
  }).output();
  assert.ok(success, `deno info ${file} failed`);
  const { modules } = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  return modules.map(({ specifier }) =>
    specifier.startsWith(root) ? specifier.slice(root.length) : specifier
  ).sort();
}

// When Deno type-checks (`deno test`, `deno bench`, `deno run --check`) it
// builds every new worker's graph with its type-only imports; one such edge
// to the transfer walk once put the whole package (110 modules) into each
// worker's start and made it 1.5× slower.
Deno.test("the worker bootstrap's module graph holds only internal child-side files", async () => {
  const graph = await graphOf("pool/_worker_main.ts");
  const outside = graph.filter((path) =>
    !path.startsWith("node:") &&
    !/^(sync|shared|ipc|pool)\/_[a-z_]+\.ts$/.test(path)
  );
  assert.deepEqual(outside, [], `public modules in the graph: ${graph}`);
  assert.ok(
    !graph.includes("ipc/_transfer.ts"),
    `the transfer walk is in the bootstrap's graph: ${graph}`,
  );
});
