import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import { ROOT, tempDir } from './helpers/env.ts';

/** Every ```toml block of docs/*.md, with the file and line it starts on. */
function tomlExamples(): { where: string; text: string }[] {
  const docs = join(ROOT, 'docs');
  return readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .flatMap((file) => {
      const lines = readFileSync(join(docs, file), 'utf8').split('\n');
      const found: { where: string; text: string }[] = [];
      for (let i = 0; i < lines.length; i++) {
        if (lines[i]!.trim() !== '```toml') continue;
        const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
        found.push({ where: `docs/${file}:${i + 1}`, text: lines.slice(i + 1, end).join('\n') });
        i = end;
      }
      return found;
    });
}

test('every TOML example in docs/ passes the checker of `mailfold config check`, in both profiles', (t) => {
  const examples = tomlExamples();
  assert.ok(examples.length >= 4, `found ${examples.length} examples`);
  const dir = tempDir(t);
  const problems: string[] = [];
  for (const [n, { where, text }] of examples.entries()) {
    const file = join(dir, `example-${n}.toml`);
    writeFileSync(file, text + '\n');
    for (const profile of ['system', 'dev'] as const) {
      try {
        // The loader `mailfold config check` runs (cli/context.ts configFor).
        loadConfig({ profile, file, env: {}, cwd: dir });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(`${where} (${profile}): ${err.problems.join('; ').replaceAll(file, 'FILE')}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
