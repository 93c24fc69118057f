// Handlebars templates are imported as text: esbuild inlines them (build.mjs, loader "text").
declare module "*.hbs" {
  const template: string;
  export default template;
}
