// A real redis-server for the cluster tests: each test starts its own on
// 127.0.0.1 on a free port, without persistence (`--save "" --appendonly
// no`), and stops it when done, so nothing outlives the test. When no
// `redis-server` binary can be found the tests are registered as ignored
// and a notice is printed: they never pass silently.

/** The redis-server binary, or undefined when none is installed. */
export const REDIS_SERVER: string | undefined = findRedis();

function findRedis(): string | undefined {
  const candidates = [
    "redis-server",
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
  ];
  for (const bin of candidates) {
    try {
      const out = new Deno.Command(bin, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      })
        .outputSync();
      if (out.success) return bin;
    } catch {
      // not there; try the next one
    }
  }
  return undefined;
}

let noticed = false;

/**
 * `Deno.test` with sanitizers on, ignored (with a printed notice) when no
 * redis-server is installed.
 */
export function clusterTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  const ignore = REDIS_SERVER === undefined;
  if (ignore && !noticed) {
    noticed = true;
    console.log(
      "NOTICE: cluster tests skipped: no redis-server found (install the Debian package redis-server)",
    );
  }
  Deno.test({ name, ignore, sanitizeOps: true, sanitizeResources: true, fn });
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function ping(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(16);
    const n = await conn.read(buf);
    return n !== null &&
      new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** A redis-server child on 127.0.0.1. */
export class RedisServer implements AsyncDisposable {
  readonly port: number;
  readonly #extra: string[];
  #child: Deno.ChildProcess | undefined;

  private constructor(port: number, extra: string[]) {
    this.port = port;
    this.#extra = extra;
  }

  /** Starts a server on a free port; `extra` are more redis-server flags. */
  static async start(extra: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(freePort(), extra);
    await server.#spawn();
    return server;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async #spawn(): Promise<void> {
    this.#child = new Deno.Command(REDIS_SERVER!, {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        ...this.#extra,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 15_000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server did not answer on port ${this.port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the server (SIGKILL: no goodbye to clients) and waits for it. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }

  /** Stops the server and starts a fresh, empty one on the same port. */
  async restart(downMs = 300): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.#spawn();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
