import type { Command } from 'commander';
import { createLogger } from '../../log/logger.ts';
import { startServer } from '../../server.ts';
import { sandboxedConfig } from '../../sandbox/mode.ts';
import { requireLevelStore } from '../../store/level/present.ts';
import { configFor } from '../context.ts';
import { reloadConfig } from '../reload.ts';

/** Sessions get 5 s to finish their command (net/listeners.ts, smtp/listener.ts); this is the hard stop. */
const SHUTDOWN_LIMIT_MS = 10_000;

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the mail server (SIGTERM: graceful stop; SIGHUP: reload the config)')
    .option('--create', 'make an empty store when the data dir has none (`npm start` does; otherwise run `mailfold init`)')
    .option('--sandbox', 'sandbox mode for developers: accept any login, send nothing, capture every message (docs/web.md)')
    .action(async (opts: { create?: boolean; sandbox?: boolean }, cmd: Command) => {
      // --sandbox holds for the reloads of the file too.
      const load = () => {
        const loaded = configFor(cmd);
        // Refused here, before anything else is looked at, when it sits beside a public listener or a smarthost.
        return opts.sandbox ? sandboxedConfig({ ...loaded, sandbox: { ...loaded.sandbox, enabled: true } }) : loaded;
      };
      let config = load();
      // A sandbox is throw-away by design: it makes its store like `--create` does.
      if (!opts.create && !config.sandbox.enabled && config.store.backend === 'level') requireLevelStore(config.data_dir);
      const log = await createLogger(config.log);
      const server = await startServer(config, log);
      const reload = () => {
        log.info({ signal: 'SIGHUP' }, 'reloading the configuration');
        config = reloadConfig(load, config, log);
        void server.reload();
      };
      process.on('SIGHUP', reload);
      log.info({ version: program.version() }, 'mailfold ready');
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log.info({ signal }, 'shutting down: no new connections, sessions finish their command');
      process.off('SIGHUP', reload);
      const stopNow = (reason: string) => {
        log.error(reason);
        process.exit(1);
      };
      // A second signal, or a shutdown that hangs, ends the process at once.
      process.once('SIGINT', () => stopNow('second signal: exiting without waiting'));
      process.once('SIGTERM', () => stopNow('second signal: exiting without waiting'));
      const limit = setTimeout(() => stopNow(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s: exiting`), SHUTDOWN_LIMIT_MS);
      await server.close();
      clearTimeout(limit);
      log.info('stopped');
    });
}
