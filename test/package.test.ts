// qapi-ts as a user gets it: `npm pack`, the tarball installed into a fresh project (offline:
// the package has no dependencies), node_modules made read-only, then the installed CLI
// (--version, generate of QEMU 10.2's schema, --check fresh and stale), a program compiled with
// plain tsc under the strictest settings (skipLibCheck off, NodeNext and bundler resolution)
// against qapi-ts/qmp and the generated code, and run with node against a real QEMU: a query,
// an event, a feature probe, and an integer beyond 2^53 there and back.
//
// (The tarball is packed with --ignore-scripts: the global setup has just built dist/ with
// the very command `prepack` runs, which this test checks is what prepack runs, and the only
// build of npm's pack lifecycle: prepack, prepare, postpack.)
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { haveQemu } from "./helpers/qemu.ts";
import { hasShared, projectRoot, sharedPath } from "./helpers/paths.ts";

const work = mkdtempSync(path.join(tmpdir(), "qapi-ts-package-"));
const project = path.join(work, "project");
afterAll(() => {
  spawnSync("chmod", ["-R", "u+w", work]);
  rmSync(work, { recursive: true, force: true });
});

const tsc = path.join(projectRoot, "node_modules/typescript/bin/tsc");
const qemuSchema = sharedPath("qemu-10.2/qapi/qapi-schema.json");

function run(cmd: string, args: string[], cwd = project) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  return { status: r.status, out: r.stdout + r.stderr, stdout: r.stdout };
}

/** Bytes and files under a directory. */
function du(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const d = du(p);
      bytes += d.bytes;
      files += d.files;
    } else if (e.isFile()) {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

const STRICT = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noPropertyAccessFromIndexSignature: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  erasableSyntaxOnly: true,
  skipLibCheck: false,
  target: "es2022",
  types: ["node"],
};

const PROGRAM = `// A program a user writes: the generated client of QEMU 10.2's schema against a live QEMU.
import { createQmp } from "./gen/client.js";
import { QmpError } from "qapi-ts/qmp";

const qmp = createQmp(
  { spawn: { args: ["-machine", "none", "-display", "none", "-nodefaults"] } },
  { commandTimeoutMs: 20_000 },
);
await qmp.connect();
try {
  const status = await qmp.execute("query-status");
  console.log(\`status: \${status.status}\`);
  const schema = await qmp.schema();
  console.log(\`dynamic auto-read-only: \${schema.has("blockdev-add/arg-type/+file/$dynamic-auto-read-only")}\`);
  const stopped = new Promise<string>((resolve) => qmp.on("STOP", (e) => resolve(e.event)));
  await qmp.execute("stop");
  console.log(\`event: \${await stopped}\`);
  const big = 2n ** 62n + 1n;
  await qmp.execute("object-add", { "qom-type": "iothread", id: "io0", "poll-max-ns": big });
  const back = await qmp.execute("qom-get", { path: "/objects/io0", property: "poll-max-ns" });
  console.log(\`big integer: \${typeof back} \${String(back)} \${back === big}\`);
  try {
    await qmp.execute("qom-get", { path: "/objects/none", property: "x" });
  } catch (err) {
    if (!(err instanceof QmpError)) throw err;
    console.log(\`error: \${err.class}\`);
  }
} finally {
  await qmp.close();
}
`;

describe.skipIf(!hasShared)(
  "the package, installed as a user installs it",
  { timeout: 600_000 },
  () => {
    let tarball = "";

    test("packs the files users need, and prepack builds them", () => {
      const pkg = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8"));
      expect(pkg.scripts.prepack).toBe("node build.mjs");
      // npm pack runs prepack, then prepare, then postpack: one build, not two.
      const builds = ["prepack", "prepare", "postpack"].filter((s) =>
        /build\.mjs/.test(pkg.scripts[s] ?? ""),
      );
      expect(builds).toEqual(["prepack"]);
      expect(pkg.dependencies ?? {}).toEqual({});
      const r = run(
        "npm",
        ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
        projectRoot,
      );
      expect(r.status, r.out).toBe(0);
      const [info] = JSON.parse(r.stdout) as {
        filename: string;
        files: { path: string }[];
        size: number;
        unpackedSize: number;
      }[];
      tarball = path.join(work, info!.filename);
      const files = info!.files.map((f) => f.path);
      expect(files).toContain("dist/cli/qapi-ts.cjs");
      expect(files).toContain("dist/lib/qmp.js");
      expect(files).toContain("dist/types/runtime/qmp/index.d.ts");
      expect(files.filter((f) => /^(test|bench|\.ci|qapi|examples)\//.test(f))).toEqual([]);
      console.log(
        `package: ${files.length} files, tarball ${(info!.size / 1024).toFixed(0)} KiB, unpacked ${(info!.unpackedSize / 1024).toFixed(0)} KiB`,
      );
    });

    test("installs offline with no other package, and its CLI runs", () => {
      mkdirSync(project);
      writeFileSync(
        path.join(project, "package.json"),
        JSON.stringify({ name: "user", private: true, type: "module" }),
      );
      const r = run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball]);
      expect(r.status, r.out).toBe(0);
      // Installing runs nothing of ours, so npm has nothing to warn about (it lists every
      // install script, `prepare` included, that the user's allowScripts does not cover).
      expect(
        r.out.split("\n").filter((l) => /^npm warn.*(qapi-ts|install-script)/i.test(l)),
      ).toEqual([]);
      const shipped = JSON.parse(
        readFileSync(path.join(project, "node_modules/qapi-ts/package.json"), "utf8"),
      ) as { scripts?: Record<string, string> };
      const installScripts = ["preinstall", "install", "postinstall", "prepare"];
      expect(Object.keys(shipped.scripts ?? {}).filter((s) => installScripts.includes(s))).toEqual(
        [],
      );
      const modules = readdirSync(path.join(project, "node_modules")).filter(
        (n) => !n.startsWith("."),
      );
      expect(modules).toEqual(["qapi-ts"]);
      const installed = du(path.join(project, "node_modules"));
      console.log(
        `installed: 1 package, ${installed.files} files, ${(installed.bytes / 1024).toFixed(0)} KiB`,
      );
      // What a project has besides: TypeScript's compiler and Node's types (linked, not fetched).
      mkdirSync(path.join(project, "node_modules/@types"));
      symlinkSync(
        path.join(projectRoot, "node_modules/@types/node"),
        path.join(project, "node_modules/@types/node"),
      );
      // Nothing may write into node_modules at run time.
      chmodSync(path.join(project, "node_modules"), 0o555);
      spawnSync("chmod", ["-R", "a-w", path.join(project, "node_modules/qapi-ts")]);
      const v = run(path.join(project, "node_modules/.bin/qapi-ts"), ["--version"]);
      expect([v.status, v.stdout]).toEqual([
        0,
        `${JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")).version}\n`,
      ]);
    });

    test("generate with a config file, --check fresh and stale", () => {
      writeFileSync(
        path.join(project, "qapi-ts.config.json"),
        JSON.stringify({ schema: qemuSchema, output: "gen" }),
      );
      const bin = path.join(project, "node_modules/.bin/qapi-ts");
      const g = run(bin, ["generate"]);
      expect(g.status, g.out).toBe(0);
      expect(run(bin, ["generate", "--check"]).status).toBe(0);
      const noop = run(bin, ["generate"]);
      expect(noop.stdout).toMatch(/ 0 written, /);
      writeFileSync(path.join(project, "gen/builtin.ts"), "// edited\n");
      const stale = run(bin, ["generate", "--check"]);
      expect([stale.status, stale.out]).toEqual([
        1,
        expect.stringContaining("gen: stale: builtin.ts"),
      ]);
      expect(run(bin, ["generate", "-q"]).status).toBe(0);
    });

    for (const resolution of ["nodenext", "bundler"] as const) {
      test(`a program compiles with plain tsc, strictest settings, ${resolution} resolution`, () => {
        writeFileSync(path.join(project, "main.ts"), PROGRAM);
        const options = {
          ...STRICT,
          module: resolution === "nodenext" ? "nodenext" : "esnext",
          moduleResolution: resolution,
          outDir: `out-${resolution}`,
          rootDir: ".",
        };
        writeFileSync(
          path.join(project, `tsconfig.${resolution}.json`),
          JSON.stringify({ compilerOptions: options, include: ["main.ts", "gen/*.ts"] }),
        );
        const t0 = performance.now();
        const r = run(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`]);
        const ms = performance.now() - t0;
        expect(r.out).toBe("");
        expect(r.status).toBe(0);
        console.log(
          `tsc (${resolution}) of the generated QEMU 10.2 schema and the program: ${(ms / 1000).toFixed(1)} s`,
        );
      });
    }

    test.skipIf(!haveQemu)("the program runs with node against a real QEMU", () => {
      writeFileSync(path.join(project, "out-nodenext/package.json"), '{ "type": "module" }\n');
      const r = run(process.execPath, [path.join(project, "out-nodenext/main.js")]);
      expect(r.out).toBe(
        [
          "status: running",
          "dynamic auto-read-only: true",
          "event: STOP",
          `big integer: bigint ${2n ** 62n + 1n} true`,
          "error: DeviceNotFound",
          "",
        ].join("\n"),
      );
      expect(r.status).toBe(0);
    });

    test.skipIf(!haveQemu)(
      "fd passing: without the optional native package the example says what to install; with it, it runs",
      () => {
        // The example as a user's program, compiled with plain tsc against the installed package.
        const example = path.join(projectRoot, "examples/fdset-auto-read-only.ts");
        writeFileSync(path.join(project, "fdset.ts"), readFileSync(example, "utf8"));
        const options = { ...STRICT, module: "nodenext", outDir: "out-fdset", rootDir: "." };
        writeFileSync(
          path.join(project, "tsconfig.fdset.json"),
          JSON.stringify({ compilerOptions: options, include: ["fdset.ts"] }),
        );
        const t = run(process.execPath, [tsc, "-p", "tsconfig.fdset.json"]);
        expect([t.status, t.out]).toEqual([0, ""]);
        writeFileSync(path.join(project, "out-fdset/package.json"), '{ "type": "module" }\n');
        const program = path.join(project, "out-fdset/fdset.js");
        const without = run(process.execPath, [program]);
        expect(without.status, without.out).toBe(1);
        expect(without.out).toMatch(/dynamic auto-read-only: yes\n/);
        expect(without.out).toContain(
          "add-fd: passing file descriptors needs the optional package @qapi-ts/fd-passing, which is not installed: run 'npm install @qapi-ts/fd-passing'",
        );
        // Descriptors at start-up need no native code.
        const startUp = run(process.execPath, [program, "--at-start-up"]);
        expect(startUp.status, startUp.out).toBe(0);
        expect(startUp.out).toMatch(/writable NBD export attached: .* is read\/write\n/);

        // The native package, packed and installed as a user would (it compiles here).
        const packed = run("npm", [
          "pack",
          "--json",
          "--pack-destination",
          work,
          path.join(projectRoot, "runtime/native/fd-passing"),
        ]);
        expect(packed.status, packed.out).toBe(0);
        const addon = path.join(
          work,
          (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename,
        );
        spawnSync("chmod", ["-R", "u+w", path.join(project, "node_modules")]);
        const installed = run("npm", ["install", "--offline", "--no-audit", "--no-fund", addon]);
        expect(installed.status, installed.out).toBe(0);
        const withIt = run(process.execPath, [program]);
        expect(withIt.status, withIt.out).toBe(0);
        expect(withIt.out).toMatch(
          /no writer: the node's descriptor \d+ is read-only\nwritable NBD export attached: the node's descriptor \d+ is read\/write\nexport removed: the node's descriptor \d+ is read-only\n$/,
        );
      },
    );
  },
);
