import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay on loopback to the server of `url`, so a test can take that server away from one client
 * without touching the server others use: `cut()` drops every connection and closes new ones at once (the
 * server is gone), `hold()` keeps connections open but passes nothing on (a hung server, a broken network),
 * `restore()` passes everything again, what was held included, in order.
 */
export class TcpRelay {
  readonly #target: URL;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #mode: "pass" | "hold" | "cut" = "pass";
  #held: (() => void)[] = [];

  constructor(url: string) {
    this.#target = new URL(url);
  }

  /** Listens on a free loopback port; resolves with `url` pointed at the relay. */
  async start(): Promise<string> {
    const server = createServer((client) => this.#accept(client));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("relay has no port");
    const relayed = new URL(this.#target);
    relayed.hostname = "127.0.0.1";
    relayed.port = String(address.port);
    return relayed.toString();
  }

  #accept(client: Socket): void {
    if (this.#mode === "cut") {
      client.destroy();
      return;
    }
    const upstream = connect(Number(this.#target.port), this.#target.hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on("error", end).on("close", () => {
        this.#sockets.delete(from);
        end();
      });
      from.on("data", (chunk: Buffer) => {
        if (this.#mode === "hold" || this.#held.length > 0) this.#held.push(() => to.write(chunk));
        else to.write(chunk);
      });
    }
  }

  cut(): void {
    this.#mode = "cut";
    this.#held = [];
    for (const socket of this.#sockets) socket.destroy();
  }

  hold(): void {
    this.#mode = "hold";
  }

  restore(): void {
    this.#mode = "pass";
    for (const write of this.#held.splice(0)) write();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
