import { openPostgresStore } from '../src/store/postgres/store.ts';
import type { Store } from '../src/store/types.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { storeContract } from './store-contract/index.ts';

const database = postgresForFile();

storeContract({
  name: 'PostgreSQL',
  async open(t, opts = {}) {
    const url = await database(t);
    if (!url) throw new Error('unreachable: the test was skipped');
    const options = { url, poolSize: 4, tls: { mode: 'off' as const }, chunkSize: opts.chunkSize ?? 65536 };
    let current: Store = await openPostgresStore(options);
    t.after(() => current.close().catch(() => {}));
    return {
      store: current,
      async reopen() {
        await current.close();
        current = await openPostgresStore(options);
        return current;
      },
    };
  },
});
