// The run time in a browser: qapi-ts/validate, qapi-ts/introspection and qapi-ts/conditions as
// the package ships them (dist/lib, through package.json's "exports"), and the code generated
// from QEMU 10.2's schema (types, validators, introspection), bundled by esbuild for the browser
// and run in a real headless Chromium, on real values:
//
// - every QMP message in the examples of QEMU 10.2's doc comments (commands' arguments, their
//   replies, events), parsed and validated in the page; the verdicts must be those of the same
//   validators run from the sources in Node, and each valid command with an unknown member
//   added must be refused;
// - the 75 path queries of ../shared/introspection/probe-queries.tsv on the real replies of
//   QEMU 9.2 and 10.0, with the answers the file gives;
// - the generated introspection module's reply for the linux-x86_64 build, conditions
//   evaluated in the page, equal to the payload QEMU's generator built, byte for byte.
//
// The run-time's declarations must also type-check for a browser project (DOM library, no
// Node types). The bundle sizes are printed (raw and gzip).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { loadSchema } from "../generator/frontend/index.ts";
import { generateFiles } from "../generator/backends/generate-files.ts";
import type { GeneratedFile } from "../generator/backends/backend.ts";
import { parseJsonLossless } from "../runtime/validate/index.ts";
import { Chromium, haveChromium, type Page } from "./helpers/chromium.ts";
import { importGenerated, linkPackage, typeCheck } from "./helpers/generated.ts";
import { hasShared, projectRoot, sharedPath } from "./helpers/paths.ts";
import { scratchFolders } from "./helpers/scratch.ts";
import { serveRoutes, type StaticServer } from "./helpers/static-server.ts";

if (!haveChromium) console.log("browser.test: no chromium at /usr/bin/chromium; skipping");
if (!hasShared) console.log("browser.test: ../shared is absent; skipping");

const qemuApi = sharedPath("qemu-10.2/qapi");
const introspectionDir = sharedPath("introspection");
const expectedPayload = sharedPath("qemu-10.2/expected/linux-x86_64.introspect.json");
const definesFile = sharedPath("qemu-10.2/expected/linux-x86_64.defines");

/** A message to validate: the text as written, and which part of it is checked against what. */
interface Message {
  kind: "arguments" | "returns" | "event";
  /** The command (for arguments and returns) or the event. */
  name: string;
  text: string;
  where: string;
}

/** What a validator said: null when valid. */
type Verdict = { message: string; path: (string | number)[] } | null;

/**
 * The QMP messages of the examples in doc comments (`-> {...}` sent, `<- {...}` received), as
 * written: each JSON text from its arrow to where its brackets balance. Texts that are not JSON
 * (examples that elide with `...`) are left out; a reply belongs to the command before it.
 */
function docExampleMessages(dir: string): Message[] {
  const out: Message[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const lines = readFileSync(path.join(dir, file), "utf8").split("\n");
    let command: string | null = null;
    for (let i = 0; i < lines.length; i++) {
      const m = /^#\s*(->|<-)\s*(\{.*)$/.exec(lines[i]!);
      if (!m) continue;
      let text = m[2]!;
      let j = i;
      while (!balanced(text) && j + 1 < lines.length && lines[j + 1]!.startsWith("#"))
        text += "\n" + lines[++j]!.replace(/^#/, "");
      const where = `${file}:${i + 1}`;
      i = j;
      let value: unknown;
      try {
        value = parseJsonLossless(text);
      } catch {
        continue;
      }
      if (typeof value !== "object" || value === null) continue;
      const v = value as Record<string, unknown>;
      if (m[1] === "->" && typeof v.execute === "string") {
        command = v.execute;
        out.push({ kind: "arguments", name: command, text, where });
      } else if (m[1] === "<-" && typeof v.event === "string") {
        out.push({ kind: "event", name: v.event, text, where });
      } else if (m[1] === "<-" && "return" in v && command !== null) {
        out.push({ kind: "returns", name: command, text, where });
      }
    }
  }
  return out;
}

/** Whether every bracket opened outside strings is closed. */
function balanced(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return depth <= 0;
}

/** Each valid command message again, with a member no schema has added to its arguments. */
function withUnknownMember(m: Message): Message {
  const v = parseJsonLossless(m.text) as { execute: string; arguments?: Record<string, unknown> };
  return {
    ...m,
    text: JSON.stringify({ ...v, arguments: { ...v.arguments, "x-qapi-ts-unknown": true } }),
    where: `${m.where} (with an unknown member)`,
  };
}

/** The page's program: everything it checks runs here, in the browser. */
const PAGE_PROGRAM = `
import { validators } from "./gen/validators.ts";
import { qmpSchemaInfo } from "./gen/introspection.ts";
import { SchemaIndex } from "qapi-ts/introspection";
import { conditionHolds } from "qapi-ts/conditions";
import { parseJsonLossless } from "qapi-ts/validate";

async function run() {
  const data = await (await fetch("./data.json")).json();
  const verdicts = data.messages.map((m) => {
    const v = parseJsonLossless(m.text);
    if (m.kind === "arguments") return validators.validateCommandArguments(m.name, v.arguments);
    if (m.kind === "returns") return validators.validateCommandReturns(m.name, v.return);
    return validators.validateEvent(m.name, v.data);
  });
  const probes = {};
  for (const label of data.replies) {
    const index = new SchemaIndex(await (await fetch("./" + label + ".json")).json());
    probes[label] = data.queries.map((q) => index.probe(q).result);
  }
  const defines = new Set(data.defines);
  return {
    userAgent: navigator.userAgent,
    verdicts,
    probes,
    payload: JSON.stringify(qmpSchemaInfo(defines), null, 1),
    conditions: data.defines.map((s) => conditionHolds(s, defines)).every(Boolean),
  };
}

window.qapiTsResults = run();
`;

const tmp = scratchFolders();

/** Bundles `entry` of `dir` for the browser (minified, as a web app ships it). */
async function bundleForBrowser(dir: string, entry: string): Promise<string> {
  const r = await build({
    absWorkingDir: dir,
    entryPoints: [path.join(dir, entry)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "silent",
  });
  return r.outputFiles[0]!.text;
}

function sizes(text: string): string {
  const raw = Buffer.byteLength(text);
  const gz = gzipSync(text, { level: 9 }).length;
  return `${(raw / 1024).toFixed(1)} kB raw, ${(gz / 1024).toFixed(1)} kB gzip`;
}

function writeFiles(dir: string, files: readonly GeneratedFile[]): void {
  for (const f of files) writeFileSync(path.join(dir, f.path), f.content);
}

describe.skipIf(!haveChromium || !hasShared)(
  "the run time and generated code in a real browser",
  { timeout: 300_000 },
  () => {
    let browser: Chromium;
    let server: StaticServer;
    let page: Page;
    let messages: Message[];
    let queries: string[];
    let answers: Record<string, string[]>;
    let expected: Verdict[];
    let results: {
      userAgent: string;
      verdicts: Verdict[];
      probes: Record<string, string[]>;
      payload: string;
      conditions: boolean;
    };
    const defines = readFileSync(definesFile, "utf8").split("\n").filter(Boolean);

    beforeAll(async () => {
      // QEMU 10.2's output with conditions kept for run time (one module for every build).
      const loaded = loadSchema(path.join(qemuApi, "qapi-schema.json"), { compat: false });
      const files = generateFiles(loaded.model!, {
        only: ["types", "validators", "introspection"],
      });

      const project = tmp("browser");
      linkPackage(project);
      writeFileSync(path.join(project, "package.json"), '{ "type": "module" }\n');
      const gen = path.join(project, "gen");
      mkdirSync(gen);
      writeFiles(gen, files);
      writeFileSync(path.join(project, "page.ts"), PAGE_PROGRAM);
      writeFileSync(
        path.join(project, "validators-only.ts"),
        'export { validators } from "./gen/validators.ts";\n',
      );
      const pageBundle = await bundleForBrowser(project, "page.ts");
      const validatorsBundle = await bundleForBrowser(project, "validators-only.ts");
      console.log(`browser bundle of the QEMU 10.2 validators: ${sizes(validatorsBundle)}`);
      console.log(`browser bundle of the test page (all of the above): ${sizes(pageBundle)}`);

      const docMessages = docExampleMessages(qemuApi);
      // The same validators from the sources, in Node: what the page must agree with.
      const node = await importGenerated<{
        validators: import("../runtime/validate/index.ts").Validators;
      }>(files, "validators.ts");
      const verdict = (m: Message): Verdict => {
        const v = parseJsonLossless(m.text) as Record<string, unknown>;
        if (m.kind === "arguments")
          return node.validators.validateCommandArguments(m.name, v.arguments);
        if (m.kind === "returns") return node.validators.validateCommandReturns(m.name, v.return);
        return node.validators.validateEvent(m.name, v.data);
      };
      const variants = docMessages
        .filter((m) => m.kind === "arguments" && verdict(m) === null)
        .map(withUnknownMember);
      messages = [...docMessages, ...variants];
      expected = messages.map(verdict);

      const [header, ...rows] = readFileSync(
        path.join(introspectionDir, "probe-queries.tsv"),
        "utf8",
      )
        .trimEnd()
        .split("\n");
      const labels = header!.split("\t").slice(1);
      queries = rows.map((r) => r.split("\t")[0]!);
      const code: Record<string, string> = { "1": "found", "0": "not-found", error: "error" };
      answers = Object.fromEntries(
        labels.map((l, i) => [l, rows.map((r) => code[r.split("\t")[i + 1]!]!)]),
      );

      server = await serveRoutes({
        "/": {
          text: '<!doctype html><script type="module" src="./page.js"></script>',
          type: "text/html",
        },
        "/page.js": { text: pageBundle, type: "text/javascript" },
        "/data.json": {
          text: JSON.stringify({ messages, replies: labels, queries, defines }),
          type: "application/json",
        },
        ...Object.fromEntries(
          labels.map((l) => [
            `/${l}.json`,
            {
              file: path.join(introspectionDir, `${l}-x86_64.query-qmp-schema.json`),
              type: "application/json",
            },
          ]),
        ),
      });
      browser = await Chromium.launch();
      page = await browser.newPage();
      await page.goto(server.url);
      results = await page.evaluate("window.qapiTsResults");
      console.log(`ran in ${results.userAgent}`);
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    test("the page ran without an error", () => {
      expect(page.errors).toEqual([]);
    });

    test("QEMU 10.2's doc-example messages: the verdicts of the validators in Node", () => {
      const valid = results.verdicts.filter((v) => v === null).length;
      console.log(
        `validated in the browser: ${messages.length} messages (${
          messages.filter((m) => !m.where.endsWith("member)")).length
        } from doc examples), ${valid} valid, ${messages.length - valid} refused`,
      );
      expect(messages.length).toBeGreaterThan(300);
      const differing = messages
        .map((m, i) => ({ where: m.where, browser: results.verdicts[i], node: expected[i] }))
        .filter((d) => JSON.stringify(d.browser) !== JSON.stringify(d.node));
      expect(differing).toEqual([]);
      // Every valid command with a member its schema lacks is refused, and for that member.
      messages.forEach((m, i) => {
        if (m.where.endsWith("(with an unknown member)"))
          expect(results.verdicts[i]?.message, m.where).toContain("x-qapi-ts-unknown");
      });
    });

    test("path queries on the real replies of QEMU 9.2 and 10.0: the answers of probe-queries.tsv", () => {
      for (const [label, expectedAnswers] of Object.entries(answers)) {
        expect(results.probes[label], label).toEqual(expectedAnswers);
      }
      console.log(
        `path queries in the browser: ${queries.length} queries x ${Object.keys(answers).length} replies`,
      );
    });

    test("the introspection module's reply for linux-x86_64 equals QEMU's payload, byte for byte", () => {
      expect(results.conditions).toBe(true);
      expect(results.payload).toBe(readFileSync(expectedPayload, "utf8"));
    });
  },
);

test("the run time's declarations type-check in a browser project (DOM, no Node types)", async () => {
  const project = tmp("browser-types");
  linkPackage(project);
  const loaded = loadSchema(path.join(projectRoot, "qapi/qapi-schema.json"), { compat: false });
  const gen = path.join(project, "gen");
  mkdirSync(gen);
  writeFiles(gen, generateFiles(loaded.model!, { only: ["types", "validators", "introspection"] }));
  const main = path.join(project, "main.ts");
  writeFileSync(
    main,
    [
      'import { validators } from "./gen/validators.js";',
      'import { qmpSchemaInfo } from "./gen/introspection.js";',
      'import { SchemaIndex } from "qapi-ts/introspection";',
      'import { conditionHolds } from "qapi-ts/conditions";',
      'import { parseJsonLossless, stringifyJson } from "qapi-ts/validate";',
      "const index = new SchemaIndex(qmpSchemaInfo(['CONFIG_POSIX']));",
      "document.title = String(index.has('blockdev-add') && conditionHolds('A', new Set(['A'])));",
      "console.log(validators.validateType('BlockdevOptions', parseJsonLossless('{}')));",
      "console.log(stringifyJson({ size: 2n ** 64n - 1n }));",
      "",
    ].join("\n"),
  );
  const diagnostics = await typeCheck([main], {
    strict: true,
    noEmit: true,
    target: "es2022",
    module: "esnext",
    moduleResolution: "bundler",
    lib: ["es2022", "dom"],
    types: [],
    skipLibCheck: false,
  });
  expect(diagnostics).toEqual([]);
});
