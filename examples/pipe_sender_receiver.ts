// Port of "1. 管道(Pipe)" from "Python多进程之进程同步及通信详解" (seed 001):
//
//   import multiprocessing
//   def sender(pipe):
//       pipe.send("Hello from sender")
//   def receiver(pipe):
//       message = pipe.recv()
//       print("Receiver received message: ", message)
//   if __name__ == "__main__":
//       parent_conn, child_conn = multiprocessing.Pipe()
//       p1 = multiprocessing.Process(target=sender, args=(parent_conn,))
//       p2 = multiprocessing.Process(target=receiver, args=(child_conn,))
//       p1.start(); p2.start(); p1.join(); p2.join()
//
// Run: deno run --allow-read examples/pipe_sender_receiver.ts
//
// Each end of the pipe crosses into its child (both ends are the same
// shared memory), so one child sends and the other receives directly.
import { Process } from "@mp/multiprocessing/pool";
import { type Connection, pipe } from "@mp/multiprocessing/ipc";

export async function sender(conn: Connection<string>): Promise<void> {
  await conn.send("Hello from sender");
}

export async function receiver(conn: Connection<string>): Promise<void> {
  const message = await conn.recv();
  console.log("Receiver received message:", message);
}

if (import.meta.main) {
  const [parentConn, childConn] = pipe<string>();
  using _parentEnd = parentConn; // closed at the end of the program
  using _childEnd = childConn;
  await using p1 = new Process({ target: sender, args: [parentConn] });
  await using p2 = new Process({ target: receiver, args: [childConn] });
  p1.start();
  p2.start();
  await p1.join();
  await p2.join();
}
