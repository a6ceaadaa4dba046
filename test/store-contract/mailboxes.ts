import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../../src/store/types.ts';
import { addAccount } from '../helpers/store.ts';
import { put, type StoreBackend } from './backend.ts';

export function mailboxContract(backend: StoreBackend): void {
  test(`${backend.name}: UIDVALIDITY and UIDNEXT survive a reopen; a recreated mailbox gets a new UIDVALIDITY`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    const work = await store.createMailbox(alice.id, 'Work');
    await put(store, work, 'w');
    const reopened = await reopen();
    const again = (await reopened.getMailbox(alice.id, 'Work'))!;
    assert.equal(again.uidValidity, work.uidValidity);
    assert.equal(again.uidNext, 2);
    await reopened.deleteMailbox(alice.id, 'Work');
    const recreated = await reopened.createMailbox(alice.id, 'Work');
    assert.ok(recreated.uidValidity > work.uidValidity);
    assert.equal(recreated.uidNext, 1);
    assert.deepEqual(await reopened.check({ repair: false }), []);
  });

  test(`${backend.name}: mailbox hierarchy: rename moves children, delete refuses a parent, bad names refused`, async (t) => {
    const { store } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    await store.createMailbox(alice.id, 'Projects');
    await store.createMailbox(alice.id, 'Projects/2026');
    await store.createMailbox(alice.id, 'Projects/2026/Q4');
    await store.createMailbox(alice.id, 'ProjectsOld');
    await store.renameMailbox(alice.id, 'Projects', 'Archive/Projects');
    const names = (await store.listMailboxes(alice.id)).map((m) => m.name).sort();
    assert.ok(names.includes('Archive/Projects/2026/Q4'));
    assert.ok(names.includes('ProjectsOld'), 'a sibling sharing the prefix is not moved');
    assert.ok(!names.some((n) => n.startsWith('Projects/')));
    await assert.rejects(store.deleteMailbox(alice.id, 'Archive/Projects'), (e: StoreError) => e.code === 'conflict');
    await assert.rejects(store.deleteMailbox(alice.id, 'INBOX'), (e: StoreError) => e.code === 'invalid');
    await assert.rejects(store.deleteMailbox(alice.id, 'inbox'), (e: StoreError) => e.code === 'invalid');
    await assert.rejects(store.renameMailbox(alice.id, 'INBOX', 'Old'), (e: StoreError) => e.code === 'invalid');
    await assert.rejects(store.renameMailbox(alice.id, 'Archive/Projects', 'Archive/Projects/x'), (e: StoreError) => e.code === 'invalid');
    await assert.rejects(store.renameMailbox(alice.id, 'ProjectsOld', 'Sent'), (e: StoreError) => e.code === 'exists');
    await assert.rejects(store.renameMailbox(alice.id, 'Nothing', 'Else'), (e: StoreError) => e.code === 'not-found');
    await assert.rejects(store.createMailbox(alice.id, 'ProjectsOld'), (e: StoreError) => e.code === 'exists');
    await assert.rejects(store.createMailbox(alice.id, 'Inbox'), (e: StoreError) => e.code === 'exists', 'INBOX in any case is the one INBOX');
    for (const bad of ['', '/x', 'a//b', 'a/', 'tab\there', 'x'.repeat(2000)]) {
      await assert.rejects(store.createMailbox(alice.id, bad), (e: StoreError) => e.code === 'invalid', JSON.stringify(bad));
    }
    await store.setSubscribed(alice.id, 'ProjectsOld', true);
    assert.equal((await store.getMailbox(alice.id, 'ProjectsOld'))!.subscribed, true);
    // keepChildren: the parent goes, its children stay.
    await store.deleteMailbox(alice.id, 'Archive/Projects', { keepChildren: true });
    const left = (await store.listMailboxes(alice.id)).map((m) => m.name);
    assert.ok(!left.includes('Archive/Projects') && left.includes('Archive/Projects/2026'));
  });
}
