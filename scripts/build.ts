import { resolve } from 'node:path';
import { bundleCheckout } from './package/bundle.ts';

/** `npm run build`: dist/mailfold.mjs, which `npm start` runs (see bundleCheckout). */
const root = resolve(import.meta.dirname, '..');
await bundleCheckout(root, resolve(root, 'dist/mailfold.mjs'));
