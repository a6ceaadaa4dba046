import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreBackend } from './backend.ts';

/** The report log: counts per row, bounded per domain and per period, listed by period, dropped once sent. */
export function reportLogContract(backend: StoreBackend): void {
  test(`${backend.name}: report counts add up per row, stay within their limits, survive a restart and are dropped`, async (t) => {
    const { store: first, reopen } = await backend.open(t);
    const limits = { rows: 2, domains: 2 };
    assert.equal(await first.countReport('dmarc', 100, 'a.test', '{"r":1}', 1, limits), true);
    assert.equal(await first.countReport('dmarc', 100, 'a.test', '{"r":1}', 2, limits), true);
    assert.equal(await first.countReport('dmarc', 100, 'a.test', '{"r":2}', 1, limits), true);
    assert.equal(await first.countReport('dmarc', 100, 'a.test', '{"r":3}', 1, limits), false, 'a third row of a domain is not kept');
    assert.equal(await first.countReport('dmarc', 100, 'a.test', '{"r":1}', 1, limits), true, 'a known row still counts');
    assert.equal(await first.countReport('dmarc', 100, 'b.test', '{"r":1}', 1, limits), true);
    assert.equal(await first.countReport('dmarc', 100, 'c.test', '{"r":1}', 1, limits), false, 'a third domain of a period is not kept');
    assert.equal(await first.countReport('tls', 100, 'c.test', '{"t":1}', 5, limits), true, 'each kind has its own limits');
    assert.equal(await first.countReport('dmarc', 101, 'c.test', '{"r":1}', 1, limits), true, 'each period has its own limits');
    const store = await reopen();
    assert.deepEqual(await store.reportPeriods('dmarc', 101), [{ period: 100, domain: 'a.test' }, { period: 100, domain: 'b.test' }]);
    assert.deepEqual((await store.reportPeriods('dmarc', 102)).length, 3);
    assert.deepEqual(await store.reportPeriods('tls', 1000), [{ period: 100, domain: 'c.test' }]);
    const rows = (await store.reportRows('dmarc', 100, 'a.test')).sort((x, y) => x.row.localeCompare(y.row));
    assert.deepEqual(rows, [{ row: '{"r":1}', count: 4 }, { row: '{"r":2}', count: 1 }]);
    await store.dropReport('dmarc', 100, 'a.test');
    assert.deepEqual(await store.reportRows('dmarc', 100, 'a.test'), []);
    assert.deepEqual(await store.reportPeriods('dmarc', 101), [{ period: 100, domain: 'b.test' }]);
    assert.equal(await store.countReport('dmarc', 100, 'c.test', '{"r":1}', 1, limits), true, 'a dropped domain frees its place');
    await store.dropReport('dmarc', 100, 'nothing.test');
    for (const domain of ['', 'A/B', 'a b', '../x', 'x'.repeat(300)]) {
      await assert.rejects(store.countReport('dmarc', 1, domain, '{}', 1, limits), /not a reported domain/, domain);
    }
    await assert.rejects(store.countReport('spam' as 'dmarc', 1, 'a.test', '{}', 1, limits), /not a report kind/);
    await assert.rejects(store.countReport('dmarc', -1, 'a.test', '{}', 1, limits), /not a report period/);
    await assert.rejects(store.countReport('dmarc', 1, 'a.test', 'x'.repeat(9000), 1, limits), /at most 8 KiB/);
  });
}
