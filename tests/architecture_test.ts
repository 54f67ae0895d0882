// Keeps the architecture of DESIGN.md honest: layers import one way only
// (sync ← shared ← ipc ← pool ← mod.ts, cluster on top), and every public
// file of a folder is re-exported by that folder's mod.ts.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const LAYERS = ["sync", "shared", "ipc", "pool", "cluster"] as const;

async function sourceFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  const dir = new URL(`${folder}/`, root);
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        out.push(entry.name);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

function relativeImports(source: string): string[] {
  const found: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|new URL\(\s*["'](\.[^"']+\.ts)["']/g;
  for (const match of source.matchAll(pattern)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec !== undefined && spec.startsWith(".")) found.push(spec);
  }
  return found;
}

Deno.test("layers import one way only: sync ← shared ← ipc ← pool ← cluster", async () => {
  const problems: string[] = [];
  for (const [rank, layer] of LAYERS.entries()) {
    for (const file of await sourceFiles(layer)) {
      const url = new URL(`${layer}/${file}`, root);
      const source = await Deno.readTextFile(url);
      for (const spec of relativeImports(source)) {
        const target = new URL(spec, url).href.slice(root.href.length);
        const targetLayer = target.split("/")[0];
        const targetRank = LAYERS.indexOf(targetLayer as typeof LAYERS[number]);
        if (target === "mod.ts" || (targetRank > rank)) {
          problems.push(`${layer}/${file} imports ${target}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("every public file is re-exported by its folder's mod.ts", async () => {
  const missing: string[] = [];
  for (const layer of LAYERS) {
    const files = await sourceFiles(layer);
    if (files.length === 0) continue;
    const mod = await Deno.readTextFile(new URL(`${layer}/mod.ts`, root));
    for (const file of files) {
      if (file === "mod.ts" || file.startsWith("_")) continue;
      if (layer === "cluster" && file === "worker.ts") continue; // a CLI entry
      if (!mod.includes(`export * from "./${file}"`)) {
        missing.push(`${layer}/${file}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("the root mod.ts re-exports every core folder", async () => {
  const mod = await Deno.readTextFile(new URL("mod.ts", root));
  for (const layer of ["sync", "shared", "ipc", "pool"]) {
    assert.ok(mod.includes(`export * from "./${layer}/mod.ts"`), layer);
  }
});
