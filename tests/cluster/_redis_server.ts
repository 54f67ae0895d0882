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

/** PEM files of a TLS server (and the CA that signed its certificate). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Whether a server answers on `port` (any reply counts: NOAUTH too). */
async function ping(port: number, tls: TlsFiles | undefined): Promise<boolean> {
  let conn: Deno.Conn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const attempt = (async () => {
      conn = tls === undefined
        ? await Deno.connect({ hostname: "127.0.0.1", port })
        : await Deno.connectTls({
          hostname: "127.0.0.1",
          port,
          caCerts: [await Deno.readTextFile(tls.ca)],
        });
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const n = await conn.read(new Uint8Array(64));
      return n !== null && n > 0;
    })();
    const late = new Promise<boolean>((resolve) =>
      timer = setTimeout(() => resolve(false), 2000)
    );
    const ok = await Promise.race([attempt, late]);
    attempt.catch(() => {});
    return ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    try {
      (conn as Deno.Conn | undefined)?.close();
    } catch { /* closed */ }
  }
}

/** A redis-server child on 127.0.0.1. */
export class RedisServer implements AsyncDisposable {
  readonly port: number;
  readonly #extra: string[];
  readonly #tls: TlsFiles | undefined;
  #child: Deno.ChildProcess | undefined;

  private constructor(
    port: number,
    extra: string[],
    tls: TlsFiles | undefined,
  ) {
    this.port = port;
    this.#extra = extra;
    this.#tls = tls;
  }

  /**
   * Starts a server on a free port; `extra` are more redis-server flags;
   * with `tls` it listens with TLS only.
   */
  static async start(
    extra: string[] = [],
    tls?: TlsFiles,
  ): Promise<RedisServer> {
    const server = new RedisServer(freePort(), extra, tls);
    await server.#spawn();
    return server;
  }

  /** `redis://127.0.0.1:<port>` (`rediss://` with TLS). */
  get url(): string {
    return `${
      this.#tls === undefined ? "redis" : "rediss"
    }://127.0.0.1:${this.port}`;
  }

  async #spawn(): Promise<void> {
    this.#child = new Deno.Command(REDIS_SERVER!, {
      args: [
        ...(this.#tls === undefined ? ["--port", String(this.port)] : [
          "--port",
          "0",
          "--tls-port",
          String(this.port),
          "--tls-cert-file",
          this.#tls.cert,
          "--tls-key-file",
          this.#tls.key,
          "--tls-ca-cert-file",
          this.#tls.ca,
          "--tls-auth-clients",
          "no",
        ]),
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
    while (!(await ping(this.port, this.#tls))) {
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

/**
 * A CA and a server certificate for 127.0.0.1 made with openssl in a temp
 * dir, or undefined when openssl is missing. Remove `dir` when done.
 */
export async function makeTlsFiles(): Promise<
  (TlsFiles & { dir: string }) | undefined
> {
  const dir = await Deno.makeTempDir({ prefix: "mp_tls_" });
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "null",
    })
      .output();
    if (!out.success) throw new Error(`openssl ${args[0]} failed`);
  };
  try {
    await run([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=mp-test-ca",
    ]);
    await run([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=localhost",
    ]);
    await Deno.writeTextFile(
      `${dir}/ext.cnf`,
      "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    await run([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
  } catch {
    await Deno.remove(dir, { recursive: true });
    return undefined;
  }
  return {
    dir,
    ca: `${dir}/ca.crt`,
    cert: `${dir}/server.crt`,
    key: `${dir}/server.key`,
  };
}
