// Build configurations: the condition symbols a build defines, from -D options and a defines
// file (one symbol per line, blank lines and `#` comments ignored). Shared by every command that
// evaluates conditions and by the codegen step's configuration file.
import { InputError, readFileInput } from "../frontend/bounded-input.ts";

export interface ConfigurationArgs {
  define?: string[];
  defines?: string;
}

/** A bad -D is a usage error; a defines file that cannot be read or is malformed, an input error. */
export class DefinesError extends Error {
  constructor(
    message: string,
    readonly kind: "usage" | "input",
    /** The message starts with `file:line:` (printed as it is, not after `qapi-ts:`). */
    readonly located = false,
  ) {
    super(message);
  }
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A defines file names a build's symbols, a short line each: 1 MiB is far beyond any. */
const MAX_DEFINES_BYTES = 1024 * 1024;

/** The symbols -D and --defines name, or null when neither is given. Throws DefinesError. */
export function readDefines(args: ConfigurationArgs): Set<string> | null {
  if (!args.define?.length && args.defines === undefined) return null;
  const defined = new Set<string>();
  for (const s of args.define ?? []) {
    if (!SYMBOL.test(s))
      throw new DefinesError(
        `-D '${s}': expected a condition symbol (letters, digits, '_')`,
        "usage",
      );
    defined.add(s);
  }
  if (args.defines !== undefined) {
    const file = args.defines;
    let text: string;
    try {
      text = readFileInput(file, { maxBytes: MAX_DEFINES_BYTES, purpose: "defines file" }).toString(
        "utf8",
      );
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new DefinesError(e.message, "input");
    }
    text.split("\n").forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) return;
      if (!SYMBOL.test(line))
        throw new DefinesError(
          `${file}:${i + 1}: expected a condition symbol, found '${line}'`,
          "input",
          true,
        );
      defined.add(line);
    });
  }
  return defined;
}
