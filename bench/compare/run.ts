// The comparison driver (`deno task bench:compare`): installs the npm peers
// into bench/compare/.peers/, runs every workload script of ours and of each
// peer in a fresh process per round, and prints the table of medians.
//
// Flags: --rounds=3  --rows=start,map  --impl=ours,piscina,python
//        --scale=1 (multiplies task counts)  --timeout=180 (s per run)
//        --write (also update BENCHMARKS.md)  --no-install
import { type Entry, plan } from "./_plan.ts";
import { machine, version } from "./_machine.ts";
import { num, type Outcome, table } from "./_table.ts";

const root = new URL("../../", import.meta.url);
const here = new URL("./", import.meta.url);
const peerDir = new URL(".peers/", here);
const peerSpecs = ["piscina@5", "tinypool@2", "workerpool@10"];

function flag(name: string): string | undefined {
  const hit = Deno.args.find((a) =>
    a === `--${name}` || a.startsWith(`--${name}=`)
  );
  return hit === undefined ? undefined : hit.split("=")[1] ?? "";
}
const rounds = Number(flag("rounds") ?? 3);
const scale = Number(flag("scale") ?? 1);
const timeoutMs = Number(flag("timeout") ?? 180) * 1000;
const rowFilter = flag("rows")?.split(",");
const implFilter = flag("impl")?.split(",");
if (!(Number.isInteger(rounds) && rounds >= 1) || !(scale > 0)) {
  throw new RangeError(
    `Cannot run as --rounds must be a positive integer and --scale positive: received ${rounds} and ${scale}`,
  );
}

async function peerVersions(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const spec of peerSpecs) {
    const name = spec.split("@")[0]!;
    try {
      const pkg = JSON.parse(
        await Deno.readTextFile(
          new URL(`node_modules/${name}/package.json`, peerDir),
        ),
      );
      out[name] = pkg.version;
    } catch {
      // not installed
    }
  }
  return out;
}

let peers = await peerVersions();
const npm = await version("npm", ["--version"]);
if (
  Object.keys(peers).length < peerSpecs.length &&
  flag("no-install") === undefined
) {
  if (npm === undefined) {
    console.error("note: npm not found; the npm peers are skipped");
  } else {
    console.error(
      `installing ${peerSpecs.join(" ")} into bench/compare/.peers/`,
    );
    await Deno.mkdir(peerDir, { recursive: true });
    const out = await new Deno.Command("npm", {
      args: [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefix",
        peerDir.pathname,
        ...peerSpecs,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    Deno.stderr.writeSync(out.stdout); // keep stdout for the table alone
    if (!out.success) {
      console.error("note: npm install failed; missing peers are skipped");
    }
    peers = await peerVersions();
  }
}

const node = await version("node", ["--version"]);
const python = await version("python3", ["--version"]);
if (node === undefined) {
  console.error("note: node not found; Node rows are skipped");
}
if (python === undefined) {
  console.error("note: python3 not found; Python rows are skipped");
}
const existing = new Set<string>();
for await (const f of Deno.readDir(new URL("ours/", here))) {
  existing.add(f.name);
}

const rows = plan({
  deno: Deno.execPath(),
  denoVersion: Deno.version.deno,
  ...(node ? { node } : {}),
  ...(python ? { python } : {}),
  peers,
  ours: (row) => existing.has(`${row}.ts`),
  scale,
}).filter((row) => !rowFilter || rowFilter.includes(row.id))
  .map((row) => ({
    ...row,
    entries: row.entries.filter((e) =>
      !implFilter || implFilter.some((p) => e.id.startsWith(p))
    ),
  }));

async function once(entry: Entry): Promise<Record<string, number>> {
  const [cmd, ...args] = entry.cmd!;
  const out = await new Deno.Command(cmd!, {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1" },
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const line = text.split("\n").findLast((l) => l.startsWith("RESULT "));
  if (!out.success || line === undefined) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n");
    const why = err.findLast((l) => /error/i.test(l)) ?? err.at(-1) ?? "";
    throw new Error(`exit ${out.code}: ${why.slice(0, 120)}`);
  }
  return JSON.parse(line.slice("RESULT ".length));
}

const outcomes = new Map<string, Outcome>();
const loadBefore = Deno.loadavg();
const started = performance.now();
for (let round = 1; round <= rounds; round++) {
  for (const row of rows) {
    for (const entry of row.entries) {
      const key = `${row.id}/${entry.id}`;
      const outcome = outcomes.get(key) ?? { values: {} };
      outcomes.set(key, outcome);
      if (!entry.cmd || outcome.note?.startsWith("failed")) continue;
      try {
        const result = await once(entry);
        const shown: string[] = [];
        for (const metric of row.metrics) {
          const value = result[entry.keys?.[metric.key] ?? metric.key];
          if (typeof value !== "number") continue;
          (outcome.values[metric.key] ??= []).push(value);
          shown.push(`${num(value)} ${metric.label}`);
        }
        console.error(
          `[${round}/${rounds}] ${row.id} · ${entry.label}: ${
            shown.join(", ")
          }`,
        );
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        const timedOut = error instanceof DOMException &&
          error.name === "TimeoutError";
        outcome.note = `failed in round ${round}: ${
          timedOut ? `timed out after ${timeoutMs / 1000} s` : why
        }`
          .replaceAll("|", "/");
        console.error(
          `[${round}/${rounds}] ${row.id} · ${entry.label}: ${outcome.note}`,
        );
      }
    }
  }
}
const minutes = (performance.now() - started) / 60_000;

const about = await machine(
  { Deno: Deno.version.deno, Node: node, npm, Python: python, ...peers },
  { before: loadBefore, after: Deno.loadavg() },
);
const plural = rounds === 1 ? "round" : "rounds";
const output =
  `${about}\n- Run: ${rounds} ${plural} (each a fresh process), task counts × ${scale}, ${
    minutes.toFixed(1)
  } min\n\n${table(rows, outcomes, rounds)}\n`;
console.log(output);

if (flag("write") !== undefined) {
  const file = new URL("BENCHMARKS.md", root);
  const doc = await Deno.readTextFile(file);
  const start = "<!-- compare:start -->";
  const end = "<!-- compare:end -->";
  const [head, rest] = doc.split(start);
  const tail = rest?.split(end)[1];
  if (head === undefined || tail === undefined) {
    throw new Error(
      `Cannot write BENCHMARKS.md as the ${start} / ${end} markers are missing`,
    );
  }
  await Deno.writeTextFile(file, `${head}${start}\n${output}${end}${tail}`);
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", file.pathname],
  }).output();
  console.error("wrote BENCHMARKS.md");
}
