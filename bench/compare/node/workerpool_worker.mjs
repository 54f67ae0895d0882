// The worker script workerpool needs: registers the same tasks as tasks.mjs.
import { createRequire } from "node:module";
import { echo, inc, sleep, spin } from "./tasks.mjs";

const require = createRequire(
  new URL("../.peers/package.json", import.meta.url),
);
const workerpool = require("workerpool");
workerpool.worker({ inc, spin, echo, sleep });
