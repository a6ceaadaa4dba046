import { hostname as osHostname } from 'node:os';
import { passwordProblem } from '../../auth/password.ts';
import { isHostname } from '../../config/index.ts';
import { normalizeAddress, normalizeDomain } from '../../delivery/address.ts';
import { CliError } from '../context.ts';
import { promptHidden, promptLine, readFirstLine } from '../prompt.ts';

export interface InitFlags {
  hostname?: string;
  domain?: string;
  user?: string;
  passwordStdin?: boolean;
  /** A PostgreSQL URL: the store goes there instead of LevelDB in the data dir. */
  store?: string;
}

export interface InitAnswers {
  hostname: string;
  domain: string;
  address: string;
  password: string;
}

/** A value from its flag, else asked on the terminal (with a default), else a usage error naming the flag. */
async function ask(flag: string, given: string | undefined, question: string, fallback?: string): Promise<string> {
  if (given !== undefined) return given.trim();
  if (!process.stdin.isTTY) throw new CliError(`missing ${flag} (or run on a terminal to be asked)`);
  const answer = (await promptLine(fallback ? `${question} [${fallback}]: ` : `${question}: `)).trim();
  return answer || fallback || '';
}

type Checked = { value: string } | { problem: string };

/** Asks again on the terminal until `check` accepts; with flags, the first problem is the error. */
async function valid(flag: string, given: string | undefined, question: string, fallback: string | undefined, check: (v: string) => Checked): Promise<string> {
  for (;;) {
    const result = check(await ask(flag, given, question, fallback));
    if ('value' in result) return result.value;
    if (given !== undefined) throw new CliError(`${flag}: ${result.problem}`);
    process.stderr.write(`  ${result.problem}\n`);
  }
}

/** The answers of `mailfold init`, from flags, or asked on a terminal; all checked before anything is written. */
export async function initAnswers(flags: InitFlags, minPasswordLength: number): Promise<InitAnswers> {
  const machine = osHostname();
  const hostname = await valid('--hostname', flags.hostname, 'Mail host name (the name clients and other servers use)', machine.includes('.') ? machine : undefined, (v) =>
    isHostname(v) && v.includes('.') ? { value: v.toLowerCase() } : { problem: 'expected a full host name like "mail.example.org"' },
  );
  const parent = hostname.split('.').slice(1).join('.');
  const domain = await valid('--domain', flags.domain, 'First mail domain (the part after @)', parent.includes('.') ? parent : undefined, (v) => {
    const d = normalizeDomain(v);
    return d && d.includes('.') ? { value: d } : { problem: 'expected a domain name like "example.org"' };
  });
  const address = await valid('--user', flags.user, `First account (an address @${domain})`, undefined, (v) => {
    const a = normalizeAddress(v.includes('@') ? v : `${v}@${domain}`);
    if (!a) return { problem: 'expected an address like "alice@example.org"' };
    return a.endsWith(`@${domain}`) ? { value: a } : { problem: `the first account's address must be in ${domain}` };
  });
  const password = await readPassword(flags.passwordStdin, address, minPasswordLength);
  return { hostname, domain, address, password };
}

/** From --password-stdin, or asked twice without echo; never from a flag (shell history, ps). */
async function readPassword(fromStdin: boolean | undefined, address: string, minLength: number): Promise<string> {
  if (fromStdin) {
    const password = await readFirstLine();
    const problem = passwordProblem(password, address, minLength);
    if (problem) throw new CliError(problem);
    return password;
  }
  if (!process.stdin.isTTY) throw new CliError('no password given: use --password-stdin, or run on a terminal to be asked');
  for (;;) {
    const first = await promptHidden(`Password for ${address}: `);
    const problem = passwordProblem(first, address, minLength);
    if (problem) {
      process.stderr.write(`  ${problem}\n`);
      continue;
    }
    if (first === (await promptHidden('Repeat password: '))) return first;
    process.stderr.write('  the passwords do not match\n');
  }
}
