// Describes the machine a run happened on: CPU model and count, memory,
// kernel, runtime and peer versions, and the load around the run.

/** Runs `cmd --version`-style commands; undefined when the tool is absent. */
export async function version(
  cmd: string,
  args: string[],
): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    if (!out.success) return undefined;
    const text = new TextDecoder().decode(out.stdout) +
      new TextDecoder().decode(out.stderr);
    return /\d+\.\d+(\.\d+)?/.exec(text)?.[0];
  } catch {
    return undefined;
  }
}

async function firstMatch(path: string, re: RegExp): Promise<string> {
  try {
    return re.exec(await Deno.readTextFile(path))?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Markdown bullet lines that describe this machine and the runtimes. */
export async function machine(
  versions: Record<string, string | undefined>,
  load: { before: number[]; after: number[] },
): Promise<string> {
  const model = await firstMatch("/proc/cpuinfo", /model name\s*:\s*(.*)/);
  const memKiB = Number(await firstMatch("/proc/meminfo", /MemTotal:\s*(\d+)/));
  const mem = Number.isFinite(memKiB)
    ? `${Math.round(memKiB / 2 ** 20)} GiB`
    : "unknown";
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" / ");
  const loaded = Math.max(load.before[0] ?? 0, load.after[0] ?? 0) >=
      0.5 * navigator.hardwareConcurrency
    ? " (the machine was loaded by other work during the run: read ratios, not absolute numbers)"
    : "";
  const git = (...args: string[]) =>
    new Deno.Command("git", {
      args,
      cwd: new URL("../../", import.meta.url),
      stdout: "piped",
      stderr: "null",
    }).output().then(
      (o) => o.success ? new TextDecoder().decode(o.stdout).trim() : undefined,
      () => undefined,
    );
  const commit = await git("rev-parse", "--short", "HEAD");
  const dirty = await git("status", "--porcelain", "--untracked-files=no");
  return [
    ...(commit
      ? [`- Commit: ${commit}${dirty ? ", with uncommitted changes" : ""}`]
      : []),
    `- CPU: ${navigator.hardwareConcurrency} × ${model}; memory ${mem}; ${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    `- Runtimes: ${
      Object.entries(versions).map(([k, v]) => `${k} ${v ?? "absent"}`).join(
        ", ",
      )
    }`,
    `- Load average (1 / 5 / 15 min): ${fmt(load.before)} before, ${
      fmt(load.after)
    } after${loaded}`,
    `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  ].join("\n");
}
