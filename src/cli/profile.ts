import { isSea } from 'node:sea';
import type { Profile } from '../config/index.ts';

/** The packaged executable uses the system defaults; a checkout runs with the dev ones (docs/architecture.md). */
export const runtimeProfile = (): Profile => (isSea() ? 'system' : 'dev');
