// Port of "管道" from "沐风2021-进程间数据的共享" (seed 004):
//
//   from multiprocessing import Process, Pipe
//   def f(conn):
//       conn.send(['沐风', 666, '精易'])
//       conn.close()
//   if __name__ == '__main__':
//       parent_conn, child_conn = Pipe()
//       p = Process(target=f, args=(child_conn, ))
//       p.start()
//       p.join()
//       data = parent_conn.recv()
//       print(data)  # ['沐风', 666, '精易']
//       print("主进程接收:", data)
//       parent_conn.send(666)
//
// Run: deno run --allow-read examples/pipe_send.ts
//
// The message waits in the pipe after the child has ended. One difference
// from Python: the child's `close()` closes that end for every holder (an
// end is shared memory, not a file descriptor each process duplicates), so
// the parent's last `send(666)`, which nobody could ever read, fails with
// ConnectionClosedError instead of vanishing.
import { Process } from "@mp/multiprocessing/pool";
import {
  type Connection,
  ConnectionClosedError,
  pipe,
} from "@mp/multiprocessing/ipc";

type Message = (string | number)[] | number;

export async function f(conn: Connection<Message>): Promise<void> {
  await conn.send(["沐风", 666, "精易"]);
  conn.close();
}

if (import.meta.main) {
  const [parentConn, childConn] = pipe<Message>();
  using _parentEnd = parentConn;
  await using p = new Process({ target: f, args: [childConn] });
  await p.start();
  await p.join();
  const data = await parentConn.recv();
  console.log(data);
  console.log("main process received:", data);
  try {
    await parentConn.send(666);
  } catch (error) {
    if (!(error instanceof ConnectionClosedError)) throw error;
    console.log(`send(666) failed: ${error.message}`);
  }
}
