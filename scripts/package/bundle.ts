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
 * Packages that ship both builds and are loaded through their CommonJS one. Their ES builds
 * import Node's builtins (http, http2) as ES modules, and Node's ES facade of a builtin reads
 * every export, which loads its bundled fetch client: smtp-server 5 MB and smol-toml 2.7 MB
 * of resident memory more than through require().
 */
const REQUIRED = /^(smtp-server|smol-toml|nodemailer|libmime)(\/.*)?$/;

function requireCommonJs(): Plugin {
  return {
    name: 'require-commonjs',
    setup(b) {
      b.onResolve({ filter: REQUIRED }, (args) => (args.namespace === 'required' ? { path: args.path, external: true } : { path: args.path, namespace: 'required' }));
      b.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

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
}

/** The whole program in one CommonJS file, the form a SEA main script takes. */
export async function bundle(root: string, outfile: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/sea/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    logLevel: 'warning',
    plugins: [seaAddons(root)],
  });
}
