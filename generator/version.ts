// The version of qapi-ts (package.json's), inlined by the build.
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
