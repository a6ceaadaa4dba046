import type { Mailbox, MailboxId, StoreEvent } from '../store/types.ts';
import { statusResponse } from './commands/status.ts';
import { listLine, mailboxListing } from './list-entry.ts';
import type { EventGroup } from './notify-spec.ts';
import { sourceMailboxes } from './search-source.ts';
import type { ImapSession } from './session.ts';

/** What a mailbox other than the selected one reports on MessageNew, MessageExpunge and FlagChange (RFC 5465 5.2-5.4). */
const STATUS_ITEMS = ['MESSAGES', 'UIDNEXT', 'UNSEEN'];

/**
 * NOTIFY (RFC 5465) for one session: listens to the store and reports changes
 * as they happen, whenever no command is running (after the command otherwise):
 * the selected mailbox's EXISTS, EXPUNGE and FETCH FLAGS when a `selected` group
 * asks for them (`selected-delayed`: expunges wait for a command that may send
 * them), STATUS for other mailboxes the groups name, LIST for mailboxes created,
 * renamed or deleted (MailboxName).
 */
export class Notifier {
  readonly #session: ImapSession;
  readonly #groups: EventGroup[];
  readonly #unsubscribe: () => void;
  /** The account's mailboxes as last seen, by id: names for the filters and for MailboxName. */
  #known = new Map<MailboxId, Mailbox>();
  #coverage: Record<'MessageNew' | 'FlagChange', Set<MailboxId>> = { MessageNew: new Set(), FlagChange: new Set() };
  #pending = new Set<MailboxId>();
  #names = false;
  #selected = false;
  #draining = false;
  #again = false;
  #closed = false;

  private constructor(session: ImapSession, groups: EventGroup[]) {
    this.#session = session;
    this.#groups = groups;
    this.#unsubscribe = session.deps.store.on((event) => this.#handle(event));
  }

  /** Starts listening; with `status`, first a STATUS for each mailbox the groups name (RFC 5465 3). */
  static async start(session: ImapSession, groups: EventGroup[], status: boolean): Promise<Notifier> {
    const notifier = new Notifier(session, groups);
    try {
      await notifier.#refresh();
      if (status) for (const mailbox of notifier.#covered('MessageNew')) await notifier.#status(mailbox);
    } catch (err) {
      notifier.close();
      throw err;
    }
    return notifier;
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
  }

  /** Called when a command ended: what arrived meanwhile goes out now. */
  wake(): void {
    if (this.#pending.size > 0 || this.#names || this.#selected) setImmediate(() => void this.#drain());
  }

  /** Mailboxes other than the selected one that a group names with `event` (MessageNew stands for MessageExpunge too). */
  #covered(event: 'MessageNew' | 'FlagChange'): Mailbox[] {
    const selected = this.#session.view?.mailbox.id ?? null;
    return [...this.#coverage[event]].flatMap((id) => (id === selected ? [] : [this.#known.get(id)!]));
  }

  /** Which mailboxes each event covers, computed once per change of the mailbox list, not per store event. */
  #cover(event: string): Set<MailboxId> {
    const groups = this.#groups.filter((g) => g.filter.type !== 'selected' && g.events.has(event));
    return new Set(sourceMailboxes(groups.map((g) => g.filter), [...this.#known.values()], null).map((m) => m.id));
  }

  #selectedGroup(): EventGroup | undefined {
    return this.#groups.find((g) => g.filter.type === 'selected');
  }

  #handle(event: StoreEvent): void {
    if (this.#closed || event.accountId !== this.#session.account?.id) return;
    if (event.type === 'mailboxes') {
      this.#names = true;
    } else if (event.mailboxId === this.#session.view?.mailbox.id) {
      const wanted = event.type === 'append' ? 'MessageNew' : event.type === 'expunge' ? 'MessageExpunge' : 'FlagChange';
      if (this.#selectedGroup()?.events.has(wanted)) this.#selected = true;
    } else {
      const wanted = event.type === 'flags' ? 'FlagChange' : 'MessageNew';
      if (this.#coverage[wanted].has(event.mailboxId)) this.#pending.add(event.mailboxId);
    }
    // After the view's own listener has taken the change in; never inside a command.
    if (!this.#session.busy) setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#again = false;
        if (this.#closed || this.#session.busy || this.#session.state === 'logout') return;
        await this.#send();
      } while (this.#again);
    } catch (err) {
      this.#session.log.error({ err }, 'NOTIFY update failed');
    } finally {
      this.#draining = false;
    }
  }

  async #send(): Promise<void> {
    const session = this.#session;
    const view = session.view;
    if (this.#selected && view) {
      this.#selected = false;
      const delayed = this.#selectedGroup()?.filter.delayed ?? false;
      for (const line of await view.flush({ expunge: !delayed, condstore: session.condstore, qresync: session.qresync })) await session.write(line);
    }
    if (this.#names) {
      this.#names = false;
      await this.#renamed();
    }
    const ids = [...this.#pending];
    this.#pending.clear();
    for (const id of ids) {
      const mailbox = await session.deps.store.getMailboxById(id);
      if (mailbox && mailbox.accountId === session.account!.id) await this.#status(mailbox);
    }
  }

  async #status(mailbox: Mailbox): Promise<void> {
    const items = this.#session.condstore ? [...STATUS_ITEMS, 'HIGHESTMODSEQ'] : STATUS_ITEMS;
    await this.#session.untagged(await statusResponse(this.#session.deps.store, mailbox, items, this.#session.utf8));
  }

  /** Re-reads the mailboxes; with MailboxName, a LIST for each created, renamed (OLDNAME) or deleted one (RFC 5465 5.4). */
  async #renamed(): Promise<void> {
    const before = this.#known;
    await this.#refresh();
    const named = new Set([...before.values(), ...this.#known.values()].filter((m) => this.#groups.some((g) => g.events.has('MailboxName') && sourceMailboxes([g.filter], [m], this.#session.view?.mailbox.id ?? null).length > 0)).map((m) => m.id));
    for (const id of named) {
      const old = before.get(id);
      const now = this.#known.get(id);
      if (now && old?.name === now.name) continue;
      const line = now ? await mailboxListing(this.#session, now.name, old ? old.name : null) : listLine(this.#session, old!.name, ['\\NonExistent']);
      await this.#session.untagged(line);
    }
  }

  async #refresh(): Promise<void> {
    const mailboxes = await this.#session.deps.store.listMailboxes(this.#session.account!.id);
    this.#known = new Map(mailboxes.map((m) => [m.id, m]));
    this.#coverage = { MessageNew: this.#cover('MessageNew'), FlagChange: this.#cover('FlagChange') };
  }
}
