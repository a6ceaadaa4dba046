import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { ADDONS } from './targets.ts';

/**
 * argon2 and classic-level find their addon with node-gyp-build next to their own files;
 * in the executable there are no such files, so each gets a loader that reads the
 * addon from the SEA assets instead (src/sea/addons.ts).
 */
function seaAddons(root: string): Plugin {
  const loader = resolve(root, 'src/sea/addons.ts');
  return {
    name: 'sea-addons',
    setup(b) {
      b.onResolve({ filter: /^node-gyp-build$/ }, (args) => {
        const name = Object.keys(ADDONS).find((pkg) => args.importer.includes(`${sep}node_modules${sep}${pkg}${sep}`));
        if (!name) return { errors: [{ text: `node-gyp-build used by ${args.importer}, which has no SEA asset` }] };
        return { path: name, namespace: 'sea-addon' };
      });
      b.onLoad({ filter: /.*/, namespace: 'sea-addon' }, (args) => ({
        contents: `module.exports = () => require(${JSON.stringify(loader)}).loadAddon(${JSON.stringify(args.path)});`,
        resolveDir: dirname(loader),
        loader: 'js',
      }));
    },
  };
}

/**
 * Every package and every Node builtin is loaded through require(), never as an ES module.
 * Node's ES facade of a builtin reads every export: node:http's loads its bundled fetch
 * client, node:tls's turns the root certificates into strings. And a package's ES build
 * imports builtins that way: smtp-server's cost 5 MB and smol-toml's 2.7 MB of resident
 * memory more than their CommonJS builds. Builtins alone through require(): about 1 MB of
 * the idle RSS (docs/performance.md). Node 24 require()s the ES-only packages too.
 */
const REQUIRED = /^[^./]/;

function requireCommonJs(): Plugin {
  return {
    name: 'require-commonjs',
    setup(b) {
      // Two modules per package: the CommonJS one require()s it; the ES one in front re-exports
      // that once, so the many modules importing node:crypto share one set of export getters
      // instead of each making its own (esbuild's interop), about 1 MB of heap.
      b.onResolve({ filter: REQUIRED }, (args) => {
        if (args.namespace === 'required-cjs') return { path: args.path, external: true };
        if (args.namespace === 'required') return { path: args.path, namespace: 'required-cjs' };
        // Named .mjs so that esbuild gives it Node's rule: `default` is module.exports.
        return { path: `${args.path}.mjs`, namespace: 'required', pluginData: args.path };
      });
      b.onLoad({ filter: /.*/, namespace: 'required' }, (args) => {
        const name = JSON.stringify(args.pluginData);
        return { contents: `export * from ${name}; export { default } from ${name};`, loader: 'js' };
      });
      b.onLoad({ filter: /.*/, namespace: 'required-cjs' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

/**
 * Node decodes a script that is not pure ASCII to a two-byte string, and V8 keeps a
 * script's source for as long as the script lives: one non-ASCII character doubles the
 * bundle's resident source (1.2 MB more for the checkout's, 5 MB for the executable's).
 * esbuild escapes strings, but copies regular expressions, tagged templates and comments
 * as they are.
 */
function assertAscii(outfile: string): void {
  const text = readFileSync(outfile, 'utf8');
  const at = text.search(/[^\x00-\x7f]/u);
  if (at >= 0) {
    const line = text.slice(0, at).split('\n').length;
    throw new Error(`${outfile}:${line}: ${JSON.stringify(text[at])} is not ASCII; escape it in the source (\\u${text.codePointAt(at)!.toString(16).padStart(4, '0')} or an HTML entity)`);
  }
}

/** esbuild's licence notices (plain text) as line comments, a non-ASCII character (a name) as \\u{...}. */
const legalComments = (text: string): string =>
  text
    .replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)
    .split('\n')
    .map((line) => (line ? `// ${line}` : '//'))
    .join('\n');

/**
 * What `npm start` runs: Mailfold's own modules as one plain-JavaScript ES module, the packages
 * left to node_modules. Node then never loads its TypeScript stripper, about 21 MB of RSS.
 */
export async function bundleCheckout(root: string, outfile: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['bin/mailfold.js'],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
    // The require() that the CommonJS loads above go through.
    banner: { js: "import { createRequire as createRequireForPackages } from 'node:module'; const require = createRequireForPackages(import.meta.url);" },
    plugins: [requireCommonJs()],
  });
  assertAscii(outfile);
}

/** The whole program in one CommonJS file, the form a SEA main script takes. */
export async function bundle(root: string, outfile: string): Promise<void> {
  const { outputFiles } = await build({
    absWorkingDir: root,
    entryPoints: ['src/sea/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minifyWhitespace: true,
    minifySyntax: true,
    // Kept apart, then appended as 'eof' would put them, with their names made ASCII.
    legalComments: 'external',
    write: false,
    logLevel: 'warning',
    plugins: [seaAddons(root)],
  });
  const code = outputFiles.find((f) => f.path === resolve(root, outfile));
  const legal = outputFiles.find((f) => f.path.endsWith('.LEGAL.txt'));
  if (!code) throw new Error(`esbuild wrote no ${outfile}`);
  writeFileSync(outfile, legal ? `${code.text}\n${legalComments(legal.text)}\n` : code.text);
  assertAscii(outfile);
}
