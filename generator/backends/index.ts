// The back ends `qapi-ts generate` runs, in the order their files are listed. Each is a pure
// function of (model, options) to files (backend.ts); adding one is one entry here.
import type { AnyBackend } from "./backend.ts";
import { clientBackend } from "./client/index.ts";
import { introspectionBackend } from "./introspection/index.ts";
import { jsonSchemaBackend } from "./json-schema/index.ts";
import { typesBackend } from "./types/index.ts";
import { validatorsBackend } from "./validators/index.ts";

export const BACKENDS: readonly AnyBackend[] = [
  typesBackend,
  validatorsBackend,
  clientBackend,
  jsonSchemaBackend,
  introspectionBackend,
];

/** The back ends named (with those their files import), in registry order; all when none named. */
export function selectBackends(names: readonly string[] | undefined): AnyBackend[] {
  if (!names || names.length === 0) return [...BACKENDS];
  const wanted = new Set<string>();
  const add = (name: string): void => {
    const b = BACKENDS.find((x) => x.name === name);
    if (!b) {
      throw new UnknownBackendError(
        `unknown back end '${name}' (back ends: ${BACKENDS.map((x) => x.name).join(", ")})`,
      );
    }
    if (wanted.has(name)) return;
    wanted.add(name);
    b.requires.forEach(add);
  };
  names.forEach(add);
  return BACKENDS.filter((b) => wanted.has(b.name));
}

export class UnknownBackendError extends Error {}
