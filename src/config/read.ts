import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from './error.ts';

function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError([`config file not found: ${file}`]);
    if (code === 'EISDIR') throw new ConfigError([`${file}: is a directory, not a config file`]);
    if (code === 'EACCES') throw new ConfigError([`${file}: permission denied`]);
    throw new ConfigError([`${file}: cannot read: ${(err as Error).message}`]);
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (!text.includes('\0')) return text;
  } catch {
    // invalid UTF-8 falls through to the same answer as a NUL byte
  }
  throw new ConfigError([`${file}: not a text file; a config file is TOML in UTF-8`]);
}

/** The file's TOML as plain values; a syntax error is one line with its position. */
export function readToml(file: string): Record<string, unknown> {
  const text = readText(file);
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message continues with a code excerpt; the first line is the problem itself.
    const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new ConfigError([`${file}:${err.line}:${err.column}: invalid TOML: ${what}`]);
  }
}
