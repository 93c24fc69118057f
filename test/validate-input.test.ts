// Special inputs (generator/frontend/bounded-input.ts, used by `validate` and by --defines): every one ends in
// a one-line diagnostic and the command's exit status (validate: 1 for input it cannot read, as every command;
// --defines: 1, as for an unreadable schema), never in a hang: endless input (a pipe, stdin or
// a named /dev/zero) stops at the bound, and a FIFO, a socket or a directory is refused
// without being read. /dev/null reads as empty.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { InputError, readFileInput } from "../generator/frontend/bounded-input.ts";
import { bin } from "./helpers/paths.ts";

/** Far beyond what any of these takes: reaching it means a hang. */
const TIMEOUT = 30_000;

let dir: string;
let schema: string;
let fifo: string;
let socketPath: string;
let server: Server;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "qapi-ts-input-"));
  schema = path.join(dir, "schema.json");
  writeFileSync(schema, "{ 'command': 'x', 'data': { 'a': 'int' } }\n");
  fifo = path.join(dir, "fifo");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  socketPath = path.join(dir, "socket");
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function validate(
  args: string[],
  stdin: "pipe" | number = "pipe",
  input = "",
): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [bin, "validate", schema, "-c", "x", ...args], {
    stdio: [stdin, "pipe", "pipe"],
    input: stdin === "pipe" ? input : undefined,
    encoding: "utf8",
    timeout: TIMEOUT,
  });
  expect(r.signal, "timed out").toBeNull();
  return r;
}

const outcome = (r: SpawnSyncReturns<string>) => [r.status, r.stderr];

describe("validate FILE and stdin", () => {
  test("endless standard input stops at the bound", () => {
    const zero = openSync("/dev/zero", "r");
    try {
      expect(outcome(validate(["-"], zero))).toEqual([
        1,
        "qapi-ts: can't read standard input: Input too large (more than 64 MiB)\n",
      ]);
    } finally {
      closeSync(zero);
    }
    const r = spawnSync(
      "sh",
      ["-c", `yes | "${process.execPath}" "${bin}" validate "${schema}" -c x -`],
      {
        encoding: "utf8",
        timeout: TIMEOUT,
      },
    );
    expect([r.signal, r.status, r.stderr]).toEqual([
      null,
      1,
      "qapi-ts: can't read standard input: Input too large (more than 64 MiB)\n",
    ]);
  });

  test("a FIFO, a socket, a directory or a missing file is refused; /dev/zero stops", () => {
    const cases: [string, string][] = [
      [fifo, "Not a regular file (a FIFO)"],
      ["/dev/zero", "File too large (more than 64 MiB)"],
      [socketPath, "Not a regular file (a socket)"],
      [dir, "Is a directory"],
      [path.join(dir, "absent.json"), "No such file or directory"],
      [path.join(schema, "x.json"), "Not a directory"],
    ];
    for (const [file, reason] of cases)
      expect(outcome(validate([file])), file).toEqual([
        1,
        `qapi-ts: can't read JSON file '${file}': ${reason}\n`,
      ]);
  });

  test("a regular file beyond the bound is refused by its size", () => {
    const big = path.join(dir, "big.json");
    writeFileSync(big, "");
    truncateSync(big, 64 * 1024 * 1024 + 1); // sparse: nothing is written
    expect(outcome(validate([big]))).toEqual([
      1,
      `qapi-ts: can't read JSON file '${big}': File too large (more than 64 MiB)\n`,
    ]);
  });

  test("ordinary files and pipes are read; bad JSON is located", () => {
    const file = path.join(dir, "ok.json");
    writeFileSync(file, '{"a": 1}');
    expect(outcome(validate([file]))).toEqual([0, ""]);
    expect(outcome(validate(["-"], "pipe", '{"a": 1}'))).toEqual([0, ""]);
    expect(outcome(validate(["-"], "pipe", '{"a":\n 1,\n'))).toEqual([
      1,
      "<stdin>:3:1: JSON parse error, premature EOI\n",
    ]);
    expect(outcome(validate(["-"], "pipe", '{"a": "\x01"}'))).toEqual([
      1,
      "<stdin>:1:7: JSON parse error, stray '\"\\u0001'\n",
    ]);
    expect(outcome(validate(["-"], "pipe", ""))).toEqual([
      1,
      "<stdin>:1:1: JSON parse error, premature EOI\n",
    ]);
  });
});

describe("--defines FILE", () => {
  test("special files, directories, missing and huge files: one line, exit 1", () => {
    const big = path.join(dir, "big.defines");
    writeFileSync(big, "");
    truncateSync(big, 1024 * 1024 + 1);
    const cases: [string, string][] = [
      ["/dev/zero", "File too large (more than 1 MiB)"],
      [fifo, "Not a regular file (a FIFO)"],
      [dir, "Is a directory"],
      [path.join(dir, "absent"), "No such file or directory"],
      [big, "File too large (more than 1 MiB)"],
    ];
    for (const [file, reason] of cases)
      expect(outcome(validate(["--defines", file, "-"], "pipe", "{}")), file).toEqual([
        1,
        `qapi-ts: can't read defines file '${file}': ${reason}\n`,
      ]);
    const ok = path.join(dir, "ok.defines");
    writeFileSync(ok, "# comment\nCONFIG_X\n");
    expect(outcome(validate(["--defines", ok, "-"], "pipe", '{"a": 1}'))).toEqual([0, ""]);
    expect(outcome(validate(["--defines", "/dev/null", "-"], "pipe", '{"a": 1}'))).toEqual([0, ""]);
  });
});

describe("readFileInput", () => {
  test("reads up to the bound, exactly", () => {
    const file = path.join(dir, "ten");
    writeFileSync(file, "0123456789");
    const options = { maxBytes: 10, purpose: "test file" };
    expect(readFileInput(file, options).toString()).toBe("0123456789");
    expect(() => readFileInput(file, { ...options, maxBytes: 9 })).toThrow(
      new InputError(`can't read test file '${file}': File too large (more than 9 bytes)`),
    );
    mkdirSync(path.join(dir, "sub"));
    expect(() => readFileInput(path.join(dir, "sub"), options)).toThrow(InputError);
  });
});
