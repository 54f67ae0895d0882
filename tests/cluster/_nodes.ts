// Worker-node processes for the cluster tests: `deno run cluster/worker.ts`
// as a real OS process, started with its ready line awaited, and always
// stopped (SIGTERM, or SIGKILL) with its exit and output awaited, so no
// child is left behind.

const WORKER = new URL("../../cluster/worker.ts", import.meta.url).pathname;
const TASKS = new URL("../fixtures/cluster_tasks.ts", import.meta.url).pathname;

/** Options of `NodeProcess.start()`. */
export interface NodeProcessOptions {
  processes?: number;
  visibilityTimeout?: number;
  name?: string;
  prefetch?: number;
  module?: string;
  extra?: string[];
}

/** One `cluster/worker.ts` child. */
export class NodeProcess implements AsyncDisposable {
  readonly consumer: string;
  readonly #child: Deno.ChildProcess;
  readonly #output: Promise<string>;
  #stopped: Promise<{ code: number; output: string }> | undefined;

  private constructor(
    consumer: string,
    child: Deno.ChildProcess,
    output: Promise<string>,
  ) {
    this.consumer = consumer;
    this.#child = child;
    this.#output = output;
  }

  /** Starts a node and waits for its ready line. */
  static async start(
    redisUrl: string,
    options: NodeProcessOptions = {},
  ): Promise<NodeProcess> {
    const args = [
      "run",
      "--allow-all",
      WORKER,
      "--redis",
      redisUrl,
      "--module",
      options.module ?? TASKS,
      "--processes",
      String(options.processes ?? 1),
      "--visibility-timeout",
      String(options.visibilityTimeout ?? 30_000),
    ];
    if (options.name !== undefined) args.push("--name", options.name);
    if (options.prefetch !== undefined) {
      args.push("--prefetch", String(options.prefetch));
    }
    args.push(...(options.extra ?? []));
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    let text = "";
    let onReady: (line: string | undefined) => void = () => {};
    const ready = new Promise<string | undefined>((resolve) =>
      onReady = resolve
    );
    const drain = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        const line = /worker node (\S+) ready/.exec(text);
        if (line) onReady(line[1]);
      }
    };
    const output = Promise.all([drain(child.stdout), drain(child.stderr)]).then(
      () => {
        onReady(undefined);
        return text;
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const consumer = await Promise.race([
      ready,
      new Promise<undefined>((resolve) =>
        timer = setTimeout(() => resolve(undefined), 60_000)
      ),
    ]);
    clearTimeout(timer);
    if (consumer === undefined) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      throw new Error(`worker node did not start:\n${await output}`);
    }
    return new NodeProcess(consumer, child, output);
  }

  /** The node's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Sends `signal` and waits for the exit; returns its code and output. */
  stop(
    signal: Deno.Signal = "SIGTERM",
  ): Promise<{ code: number; output: string }> {
    this.#stopped ??= (async () => {
      try {
        this.#child.kill(signal);
      } catch { /* already gone */ }
      const status = await this.#child.status;
      return { code: status.code, output: await this.#output };
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop("SIGKILL").then(() => {});
  }
}

/** Starts `n` nodes at once. */
export async function startNodes(
  n: number,
  redisUrl: string,
  options: NodeProcessOptions = {},
): Promise<NodeProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: n }, () => NodeProcess.start(redisUrl, options)),
  );
  const nodes = started.flatMap((s) =>
    s.status === "fulfilled" ? [s.value] : []
  );
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(nodes.map((node) => node.stop("SIGKILL")));
    throw (failed as PromiseRejectedResult).reason;
  }
  return nodes;
}

/** Reads `N entries reclaimed` from a node's stop line. */
export function reclaimedIn(output: string): number {
  return Number(/(\d+) entries reclaimed/.exec(output)?.[1] ?? 0);
}
