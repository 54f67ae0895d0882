/**
 * The worker node command: serves a `ClusterPool` from this machine.
 *
 * ```sh
 * deno run --allow-net --allow-env --allow-read \
 *   jsr:@mp/multiprocessing/cluster/worker.ts \
 *   --redis redis://redis.internal:6379 --module ./tasks.ts --processes 4
 * ```
 *
 * | flag                          | meaning                                                  | default                  |
 * | ----------------------------- | -------------------------------------------------------- | ------------------------ |
 * | `--redis URL`                 | `redis://[user[:password]@]host[:port][/db]`, `rediss://` for TLS | `redis://127.0.0.1:6379` |
 * | `--module PATH`               | the task module (path or URL); required                   |                          |
 * | `--processes N`               | workers of the local `Pool`                              | CPU count                |
 * | `--backend B`                 | `worker` or `subprocess`                                 | `worker`                 |
 * | `--name NAME`                 | the cluster pool to serve                                | `default`                |
 * | `--prefetch N`                | task entries held at once                                | processes × 2            |
 * | `--visibility-timeout MS`     | idle time after which a dead node's entries are taken    | `30000`                  |
 * | `--consumer NAME`             | this node's consumer name                                | `node-<pid>-<random>`    |
 * | `--username U`                | ACL user                                                 | the URL's                |
 * | `--password-file FILE`        | read the password from FILE (keeps it out of `ps`)       | the URL's                |
 * | `--tls`                       | use TLS (implied by `rediss://`)                          | off                      |
 * | `--tls-ca FILE`               | trusted CA certificates (PEM)                            | the system's             |
 * | `--tls-cert FILE`, `--tls-key FILE` | client certificate and key, for mutual TLS          | none                     |
 * | `--tls-servername NAME`       | name checked against the server certificate              | the host                 |
 *
 * It prints one line when ready (`worker node <consumer> ready …`). SIGINT
 * or SIGTERM stops it gracefully: no new work, running entries finish and
 * are acknowledged; a second signal exits at once (its entries are taken
 * over by other nodes after the visibility timeout). Exit code 2 means bad
 * flags, 1 a failed start (Redis unreachable, module not loadable).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Backend } from "../pool/backend.ts";
import { redactUrl } from "./_redis_client.ts";
import type {
  RedisConnectionOptions,
  RedisTlsOptions,
} from "./redis_connection.ts";
import { WorkerNode } from "./worker_node.ts";
import type { WorkerNodeOptions } from "./worker_node_options.ts";

/** The node options the flags in `args` stand for. */
export function parseWorkerArgs(args: string[]): WorkerNodeOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      redis: { type: "string" },
      module: { type: "string" },
      processes: { type: "string" },
      backend: { type: "string" },
      name: { type: "string" },
      prefetch: { type: "string" },
      "visibility-timeout": { type: "string" },
      consumer: { type: "string" },
      username: { type: "string" },
      "password-file": { type: "string" },
      tls: { type: "boolean" },
      "tls-ca": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-servername": { type: "string" },
    },
  });
  if (values.module === undefined) {
    throw new TypeError(
      "Cannot start a worker node as --module is missing: pass the task module's path",
    );
  }
  const int = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot start a worker node as --${flag} must be an integer >= 1: received "${value}"`,
      );
    }
    return n;
  };
  const redis: RedisConnectionOptions = {};
  if (values.redis !== undefined) redis.url = values.redis;
  if (values.username !== undefined) redis.username = values.username;
  if (values["password-file"] !== undefined) {
    redis.password = Deno.readTextFileSync(values["password-file"]).trim();
  }
  const tls: RedisTlsOptions = {};
  if (values["tls-ca"] !== undefined) {
    tls.ca = Deno.readTextFileSync(values["tls-ca"]);
  }
  if (values["tls-cert"] !== undefined) {
    tls.cert = Deno.readTextFileSync(values["tls-cert"]);
  }
  if (values["tls-key"] !== undefined) {
    tls.key = Deno.readTextFileSync(values["tls-key"]);
  }
  if (values["tls-servername"] !== undefined) {
    tls.servername = values["tls-servername"];
  }
  if (values.tls === true || Object.keys(tls).length > 0) redis.tls = tls;
  const backend = values.backend ?? "worker";
  if (backend !== "worker" && backend !== "subprocess") {
    throw new TypeError(
      `Cannot start a worker node as --backend must be "worker" or "subprocess": received "${backend}"`,
    );
  }
  const options: WorkerNodeOptions = {
    module: values.module,
    redis,
    backend: backend as Backend,
  };
  const processes = int("processes", values.processes);
  const prefetch = int("prefetch", values.prefetch);
  const visibilityTimeout = int(
    "visibility-timeout",
    values["visibility-timeout"],
  );
  if (processes !== undefined) options.processes = processes;
  if (prefetch !== undefined) options.prefetch = prefetch;
  if (visibilityTimeout !== undefined) {
    options.visibilityTimeout = visibilityTimeout;
  }
  if (values.name !== undefined) options.name = values.name;
  if (values.consumer !== undefined) options.consumer = values.consumer;
  return options;
}

async function main(): Promise<number> {
  let options: WorkerNodeOptions;
  try {
    options = parseWorkerArgs(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  let node: WorkerNode;
  try {
    node = await WorkerNode.start(options);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  const url = redactUrl(
    (options.redis as RedisConnectionOptions).url ?? "redis://127.0.0.1:6379",
  );
  console.log(
    `worker node ${node.consumer} ready: pool "${
      options.name ?? "default"
    }" on ${url}, module ${node.module}, ${
      options.processes ?? navigator.hardwareConcurrency
    } process(es)`,
  );
  let signals = 0;
  let onSignal = () => {};
  const stopped = new Promise<void>((resolve) => {
    onSignal = () => {
      if (++signals > 1) Deno.exit(130);
      node.stop().then(resolve);
    };
  });
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await stopped;
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  const s = node.stats;
  console.log(
    `worker node ${node.consumer} stopped: ${s.completed} completed, ${s.failed} failed, ${s.retried} retried, ${s.reclaimed} entries reclaimed`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main());
