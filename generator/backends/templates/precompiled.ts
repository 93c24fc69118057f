// Templates compiled when the package is built: build.mjs turns each `.hbs` import into its text
// plus Handlebars' precompiled form of it, registered here by that text. compileTemplate takes
// the precompiled form when there is one (the bundles), else compiles the text (sources run as
// they are, in the tests): the same template either way, without compiling it on every run.

/** Template text -> Handlebars' precompiled template (the spec `Handlebars.template` takes). */
export const PRECOMPILED = new Map<string, unknown>();
