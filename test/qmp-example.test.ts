// examples/: compiled with tsc and run against a real QEMU; and the command/event maps really
// type execute() and listeners (wrong names, members and result uses do not compile).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linkPackage } from "./helpers/generated.ts";
import { haveQemu } from "./helpers/qemu.ts";
import { projectRoot as root } from "./helpers/paths.ts";

const tsc = path.join(root, "node_modules/typescript/bin/tsc");
const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-example-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root }, (err, stdout, stderr) => {
      resolve({
        code: err ? (typeof err.code === "number" ? err.code : -1) : 0,
        out: stdout + stderr,
      });
    });
  });
}

describe("examples/ and the typed client", { timeout: 180_000 }, () => {
  it.skipIf(!haveQemu)(
    "compiles examples/live-block-node.ts with tsc and runs it against a QEMU it starts",
    async () => {
      const outDir = path.join(work, "out");
      const built = await run(process.execPath, [
        tsc,
        "-p",
        "examples/tsconfig.json",
        "--outDir",
        outDir,
      ]);
      expect(built.out).toBe("");
      expect(built.code).toBe(0);
      writeFileSync(path.join(outDir, "package.json"), '{ "type": "module" }\n'); // the output is ESM
      // The example imports qapi-ts by name, as a program that installed it does.
      linkPackage(outDir);
      const ran = await run(process.execPath, [path.join(outDir, "examples/live-block-node.js")]);
      expect(ran.code).toBe(0);
      expect(ran.out).toMatch(
        /^connected to QEMU \d+\.\d+\.\d+\nfile driver has dynamic auto-read-only: yes\nnamed nodes: example0\ndeleting it twice: GenericError: .*example0.*\n$/,
      );
    },
  );

  it.skipIf(!haveQemu)(
    "examples/fdset-auto-read-only.ts shows the read-only to read/write transition, with descriptors sent at run time and at start-up",
    async () => {
      // Compiled by the test before (tsc compiles every example).
      const program = path.join(work, "out/examples/fdset-auto-read-only.js");
      for (const mode of [[], ["--at-start-up"]]) {
        const ran = await run(process.execPath, [program, ...mode]);
        expect(ran.code, ran.out).toBe(0);
        expect(ran.out).toMatch(
          new RegExp(
            [
              /^connected to QEMU \d+\.\d+\.\d+/,
              /file driver has dynamic auto-read-only: yes/,
              /fd set 1: fd \d+ "ro" read-only, fd \d+ "rw" read\/write/,
              /no writer: the node's descriptor \d+ is read-only/,
              /writable NBD export attached: the node's descriptor \d+ is read\/write/,
              /export removed: the node's descriptor \d+ is read-only\n$/,
            ]
              .map((r) => r.source)
              .join("\n"),
          ),
        );
      }
    },
  );

  it("rejects at compile time what the command and event maps forbid", async () => {
    // Lines marked ERR must each have a type error, and no other line may have one.
    const lines = [
      `import type { Commands, Events } from ${JSON.stringify(path.join(root, "generated/index.ts"))};`,
      `import { QmpClient } from ${JSON.stringify(path.join(root, "runtime/qmp/index.ts"))};`,
      `import { validators } from ${JSON.stringify(path.join(root, "generated/validators.js"))};`,
      `export const plugged = new QmpClient<Commands, Events>({ socket: "x" }, { validate: validators });`,
      `export async function f(qmp: QmpClient<Commands, Events>): Promise<void> {`,
      `  const schema = await qmp.execute("query-qmp-schema");`,
      `  const names: string[] = schema.map((e) => e.name);`,
      `  await qmp.execute("blockdev-add", { driver: "null-co", "node-name": "a", size: 4096 });`,
      `  await qmp.execute("blockdev-del", { "node-name": "a" }, { timeoutMs: 100 });`,
      `  qmp.on("BLOCK_IMAGE_CORRUPTED", (e) => console.log(e.event, e.data));`,
      `  for await (const e of qmp.events("BLOCK_IMAGE_CORRUPTED")) console.log(e.timestamp.seconds);`,
      `  await qmp.execute("no-such-command"); // ERR`,
      `  await qmp.execute("blockdev-add", { driver: "null-co", "node-nme": "a" }); // ERR`,
      `  await qmp.execute("blockdev-add", { driver: "no-such-driver" }); // ERR`,
      `  await qmp.execute("blockdev-del"); // ERR`,
      `  const s: string = await qmp.execute("blockdev-del", { "node-name": "a" }); // ERR`,
      `  qmp.on("NO_SUCH_EVENT", () => {}); // ERR`,
      `  void names; void s;`,
      `}`,
    ];
    const file = path.join(work, "typed-usage.ts");
    writeFileSync(file, lines.join("\n") + "\n");
    const tsconfig = path.join(work, "tsconfig.json");
    const base = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          ...base.compilerOptions,
          typeRoots: [path.join(root, "node_modules/@types")],
        },
        files: [file],
      }),
    );
    const r = await run(process.execPath, [tsc, "-p", tsconfig]);
    const errorLines = new Set(
      [...r.out.matchAll(/typed-usage\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])),
    );
    const expected = new Set(lines.flatMap((l, i) => (l.endsWith("// ERR") ? [i + 1] : [])));
    expect(
      [...errorLines].sort((a, b) => a - b),
      r.out,
    ).toEqual([...expected].sort((a, b) => a - b));
  });
});
