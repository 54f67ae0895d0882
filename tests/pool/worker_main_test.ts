import assert from "node:assert/strict";
import {
  BUNDLE,
  bundleWorkerMain,
  ENTRY,
  EXTERNAL,
  inlinedModules,
  sourcesDigest,
  stamp,
} from "./_bundle_worker_main.ts";

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

// The digest holds on any Deno; the text is compared only under the Deno
// that built it, since another version of `deno bundle` may print it
// differently.
Deno.test("the bundled worker bootstrap matches its sources", async () => {
  const committed = await Deno.readTextFile(new URL(BUNDLE, root));
  const rebuild =
    `${BUNDLE} is out of date: run deno run --allow-all tests/pool/_bundle_worker_main.ts`;
  const { deno, sources } = stamp(committed);
  assert.equal(
    sources,
    await sourcesDigest(inlinedModules(committed)),
    rebuild,
  );
  if (deno === Deno.version.deno) {
    assert.ok(committed === await bundleWorkerMain(), rebuild);
  }
});

/**
 * A top-level binding that can hold state: a `let`/`var`, or a `const` bound
 * to a fresh collection, object, array or symbol.
 */
const MODULE_STATE =
  /^(?:let|var) (\w+)|^(?:export )?const (\w+)(?:: [^=]+)? = (?:new (?:Weak)?(?:Map|Set)\b|new \w*Array\b|new SharedArrayBuffer\b|Symbol\(|\[|\{)/gm;

/** Read-only lookup tables, never written after the module loads. */
const CONSTANT_TABLES = ["GLOBAL_ERRORS", "SKIPPED_PROPS"];

// A module with per-thread state must exist once per thread: the task module
// imports it by URL too, and a second copy inside the bundle would split
// agent ids, the block table, the hub link or the task slot in two.
Deno.test("the bundled worker bootstrap inlines only stateless modules and loads each module once", async () => {
  const bundle = await Deno.readTextFile(new URL(BUNDLE, root));
  const inlined = inlinedModules(bundle);
  assert.ok(inlined.includes(ENTRY), `markers not found: ${inlined}`);
  for (const path of inlined) {
    assert.ok(!EXTERNAL.includes(path), `${path} is both inlined and imported`);
    if (path === ENTRY) continue; // its state is the bootstrap's, see below
    const source = await Deno.readTextFile(new URL(path, root));
    for (const match of source.matchAll(MODULE_STATE)) {
      assert.ok(
        CONSTANT_TABLES.includes(match[1] ?? match[2] ?? ""),
        `${path} holds module state: ${match[0]}`,
      );
    }
  }
  // The bootstrap's own state exists once as no module imports its source.
  for await (const entry of Deno.readDir(new URL("pool/", root))) {
    if (!entry.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(`pool/${entry.name}`, root));
    assert.ok(
      !/from "\.\/_worker_main\.ts"|import\("\.\/_worker_main\.ts"/.test(
        source,
      ),
      `pool/${entry.name} imports the bootstrap's source`,
    );
  }
  // The bundle's own graph: itself and exactly the external modules.
  const graph = await graphOf(BUNDLE);
  assert.deepEqual(
    graph.filter((path) => !path.startsWith("node:")),
    [...EXTERNAL, BUNDLE].sort(),
  );
});
