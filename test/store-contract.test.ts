import { openLevelStore } from '../src/store/level/store.ts';
import type { Store } from '../src/store/types.ts';
import { tempDir } from './helpers/env.ts';
import { storeContract } from './store-contract/index.ts';

storeContract({
  name: 'LevelDB',
  async open(t, opts = {}) {
    const dir = tempDir(t);
    const options = { sync: true, chunkSize: opts.chunkSize ?? 65536 };
    let current: Store = await openLevelStore(dir, options);
    t.after(() => current.close().catch(() => {}));
    return {
      store: current,
      async reopen() {
        await current.close();
        current = await openLevelStore(dir, options);
        return current;
      },
    };
  },
});
