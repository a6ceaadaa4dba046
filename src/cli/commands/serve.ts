import type { Command } from 'commander';
import { createLogger } from '../../log/logger.ts';
import { startServer } from '../../server.ts';
import { configFor } from '../context.ts';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the mail server')
    .action(async (_opts, cmd: Command) => {
      const config = configFor(cmd);
      const log = createLogger(config.log);
      const server = await startServer(config, log);
      const reload = () => {
        log.info({ signal: 'SIGHUP' }, 'reloading certificates');
        void server.reload();
      };
      process.on('SIGHUP', reload);
      log.info({ version: program.version() }, 'mailfold ready');
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'shutting down');
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.off('SIGHUP', reload);
      await server.close();
    });
}
