import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { hangUp } from './hang-up.ts';

export interface DeadlineSettings {
  /** Seconds for each line, a command or a line of DATA, to arrive complete. */
  command: number;
  /** Seconds from connect until the session has started a transaction or logged in. */
  preMail: number;
}

interface Watch {
  connection: SMTPConnection;
  socket: Socket;
  line: NodeJS.Timeout;
  start: NodeJS.Timeout | null;
  /** Restarts the line clock at each line end that arrives. */
  onData: (chunk: Buffer) => void;
}

const LF = 0x0a;

/**
 * Whether the client is waiting for us: a handler has not answered yet, the message is
 * in and not decided on, or the parser stopped reading to work off what was pipelined.
 * smtp-server's own idle timeout makes the same exception.
 */
function waitsForUs(connection: SMTPConnection): boolean {
  const parser = connection._parser;
  return connection._handlerPending || Boolean(connection._dataStream && parser && !parser._dataMode) || connection._socket.isPaused();
}

/**
 * Deadlines that trickled bytes cannot push back, like Postfix's per-record deadline:
 * smtp-server's idle timeout starts again at every byte, so a byte a minute would hold a
 * session forever. Here each line must arrive complete within `command` seconds of the
 * line before (the clock waits while the client waits for us), and a session must start
 * a mail transaction, or log in, within `preMail` seconds of connecting. Past either,
 * the client gets 421 4.4.2 and the connection is closed at once.
 */
export class SessionDeadlines {
  readonly #watches = new Map<string, Watch>();
  readonly #settings: DeadlineSettings;

  constructor(server: SMTPServer, settings: DeadlineSettings) {
    this.#settings = settings;
    // connect() is where smtp-server makes a session of an accepted (or TLS) socket.
    const connect = server.connect.bind(server);
    server.connect = (socket, options) => {
      connect(socket, options);
      for (const connection of server.connections) if (connection.id === options?.id) this.#watch(connection, socket);
    };
  }

  #watch(connection: SMTPConnection, socket: Socket): void {
    const id = connection.id;
    const watch: Watch = {
      connection,
      socket,
      line: setTimeout(() => this.#lineDue(id), this.#settings.command * 1000).unref(),
      start: setTimeout(() => this.#startDue(id), this.#settings.preMail * 1000).unref(),
      onData: (chunk) => {
        if (chunk.includes(LF)) watch.line.refresh();
      },
    };
    this.#watches.set(id, watch);
    socket.on('data', watch.onData);
  }

  /** After STARTTLS the session's lines arrive on the TLS socket; the bytes below it are ciphertext. */
  secured(id: string, socket: Socket): void {
    const watch = this.#watches.get(id);
    if (!watch || watch.socket === socket) return;
    watch.socket.off('data', watch.onData);
    watch.socket = socket;
    socket.on('data', watch.onData);
  }

  /** A MAIL FROM or a login was accepted: the session is under way. */
  started(id: string): void {
    const watch = this.#watches.get(id);
    if (watch?.start) clearTimeout(watch.start);
    if (watch) watch.start = null;
  }

  closed(id: string): void {
    const watch = this.#watches.get(id);
    if (!watch) return;
    watch.socket.off('data', watch.onData);
    clearTimeout(watch.line);
    if (watch.start) clearTimeout(watch.start);
    this.#watches.delete(id);
  }

  #lineDue(id: string): void {
    const watch = this.#watches.get(id);
    if (!watch) return;
    if (waitsForUs(watch.connection)) watch.line.refresh();
    else this.#expire(watch, `4.4.2 No complete command line within ${this.#settings.command} seconds, closing connection`);
  }

  #startDue(id: string): void {
    const watch = this.#watches.get(id);
    if (!watch?.start) return;
    if (waitsForUs(watch.connection)) watch.start.refresh();
    else this.#expire(watch, `4.4.2 No mail transaction started within ${this.#settings.preMail} seconds, closing connection`);
  }

  /** The listener's `disconnect` line logs the 421 with the client's address. */
  #expire(watch: Watch, text: string): void {
    this.closed(watch.connection.id);
    hangUp(watch.connection, text);
  }
}
