// A real headless Chromium (Debian's /usr/bin/chromium), driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: requests on the child's fd 3, replies and events on its fd 4,
// each message JSON ended by a NUL byte). No driver package and no port to race for: the page
// tests need four commands (open a page, navigate, wait for its load, evaluate).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";

export const chromiumPath = process.env.QAPI_TS_CHROMIUM ?? "/usr/bin/chromium";
export const haveChromium = existsSync(chromiumPath);

/** The flags this machine's closed network needs (see the team's guide), plus the pipe. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-pipe",
];

/** How long one protocol command may take before the test fails instead of hanging. */
const COMMAND_TIMEOUT_MS = 60_000;

interface Message {
  id?: number;
  sessionId?: string;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

type EventListener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(r: Record<string, unknown>): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  private readonly listeners = new Map<string, Set<EventListener>>();
  private buffer = "";
  private stderr = "";
  private exited: string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => this.receive(chunk));
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (s: string) => (this.stderr = (this.stderr + s).slice(-4000)));
    child.on("exit", (code, signal) => {
      this.exited = `chromium exited (${signal ?? code})`;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.exited}: ${this.stderr}`));
      }
      this.pending.clear();
    });
  }

  /** Starts Chromium with a fresh profile folder, removed by close(). */
  static async launch(): Promise<Chromium> {
    const profile = mkdtempSync(path.join(tmpdir(), "qapi-ts-chromium-"));
    const child = spawn(chromiumPath, [...FLAGS, `--user-data-dir=${profile}`, "about:blank"], {
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
    });
    const browser = new Chromium(child, profile);
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    await browser.send("Browser.getVersion");
    return browser;
  }

  /** Sends a command (to a page's session when given); resolves with its result. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(`${this.exited}: ${this.stderr}`));
    const id = this.nextId++;
    const message: Message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`chromium: no reply to ${method} in ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      (this.child.stdio[3] as Writable).write(JSON.stringify(message) + "\0");
    });
  }

  /** Calls `listener` for every event `method`; returns the function that removes it. */
  on(method: string, listener: EventListener): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A new page (a tab), attached in its own session. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    await this.send("Page.enable", {}, page.sessionId);
    await this.send("Runtime.enable", {}, page.sessionId);
    return page;
  }

  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise((resolve) => this.child.once("exit", resolve));
      await this.send("Browser.close").catch(() => undefined);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf("\0")) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as Message;
      this.buffer = this.buffer.slice(end + 1);
      if (message.id !== undefined) {
        const p = this.pending.get(message.id);
        if (!p) continue;
        this.pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.error) p.reject(new Error(`chromium: ${message.error.message}`));
        else p.resolve(message.result ?? {});
      } else if (message.method) {
        for (const l of this.listeners.get(message.method) ?? [])
          l(message.params ?? {}, message.sessionId);
      }
    }
  }
}

export class Page {
  /** Uncaught exceptions and console errors of the page, as text. */
  readonly errors: string[] = [];

  constructor(
    private readonly browser: Chromium,
    readonly sessionId: string,
  ) {
    browser.on("Runtime.exceptionThrown", (params, session) => {
      if (session !== sessionId) return;
      const d = params.exceptionDetails as {
        text: string;
        exception?: { description?: string };
      };
      this.errors.push(d.exception?.description ?? d.text);
    });
    browser.on("Runtime.consoleAPICalled", (params, session) => {
      if (session !== sessionId || params.type !== "error") return;
      const args = params.args as { value?: unknown; description?: string }[];
      this.errors.push(args.map((a) => a.description ?? String(a.value)).join(" "));
    });
  }

  /** Navigates and waits for the page's load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const off = this.browser.on("Page.loadEventFired", (_params, session) => {
        if (session !== this.sessionId) return;
        off();
        resolve();
      });
    });
    const r = await this.browser.send("Page.navigate", { url }, this.sessionId);
    if (typeof r.errorText === "string") throw new Error(`chromium: ${url}: ${r.errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page (awaiting a promise); its value, as JSON carries it. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.browser.send(
      "Runtime.evaluate",
      { expression, awaitPromise: true, returnByValue: true },
      this.sessionId,
    );
    const failed = r.exceptionDetails as
      | { text: string; exception?: { description?: string } }
      | undefined;
    if (failed) throw new Error(`in the page: ${failed.exception?.description ?? failed.text}`);
    return (r.result as { value: T }).value;
  }
}
