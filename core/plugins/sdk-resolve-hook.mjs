// Node module customization hook (module.register): makes `switchyard/sdk`
// resolve to the running hub's core/sdk/index.ts for every importer, including
// third-party plugin packages that live outside the hub's own package and so
// cannot see it through node_modules. Plain JavaScript on purpose: hooks run
// in the loader thread, before any TypeScript loader may apply to this file.
let sdkUrl;

export function initialize(data) {
  sdkUrl = data.sdkUrl;
}

export async function resolve(specifier, context, nextResolve) {
  // Handing the file URL on (rather than short-circuiting) lets the TypeScript
  // loader further down the chain mark the .ts file as one it compiles.
  if (specifier === 'switchyard/sdk') return nextResolve(sdkUrl, context);
  return nextResolve(specifier, context);
}
