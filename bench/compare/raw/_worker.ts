// The bare Web Worker the raw-platform baselines talk to: it echoes every
// message, except `{ stream: n }`, to which it answers with the ints 0..n-1
// as n separate messages.
export {};

const scope = self as unknown as {
  onmessage: (event: MessageEvent) => void;
  postMessage(value: unknown): void;
};

scope.onmessage = (event) => {
  const data = event.data;
  if (data !== null && typeof data === "object" && "stream" in data) {
    const n = data.stream as number;
    for (let i = 0; i < n; i++) scope.postMessage(i);
    return;
  }
  scope.postMessage(data);
};
