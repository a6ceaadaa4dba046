import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PASSWORD } from './web.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshots of a test run go: outside the checkout, never committed. */
export const SCREENSHOTS = process.env.MAILFOLD_SCREENSHOTS ?? join(tmpdir(), 'mailfold-web-screenshots');
/** How long a page may take to do what the test waits for. */
const DEADLINE_MS = 180_000;
export const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;

/**
 * Debian's chromium, headless, with a profile of its own in a temp dir, closed when the test
 * ends. Without chromium the test is skipped, or fails when CI=true (.ci/run installs it).
 * Launch it before the server the test starts: t.after hooks run in the order they were
 * registered, and the browser is to close before the server it talks to.
 */
export async function launchChromium(t: TestContext): Promise<BrowserContext | null> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is not installed (.ci/run installs it)`);
    t.skip('chromium is not installed');
    return null;
  }
  const profile = mkdtempSync(join(tmpdir(), 'mf-chromium-'));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true });
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      // The server's certificate is its own self-signed one.
      ignoreHTTPSErrors: true,
      viewport: WIDTHS.desktop,
    })
    .catch((err: unknown) => {
      removeProfile();
      throw err;
    });
  // One hook, in this order: the profile is removed once chromium no longer writes to it.
  t.after(async () => {
    await context.close();
    removeProfile();
  });
  // A generous deadline for each wait and action, for a machine shared by many test runs:
  // playwright's 30 s fails a slow page that is not wrong.
  context.setDefaultTimeout(DEADLINE_MS);
  return context;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2 A and AA rules on the page as it is. It is evaluated through the
 * DevTools protocol, which the page's CSP does not govern (the page allows no inline script).
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

/**
 * At phone and desktop widths: the page has no accessibility violation, and its
 * screenshot is written, named after it.
 */
export async function reviewPage(page: Page, name: string): Promise<AxeViolation[]> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const found: AxeViolation[] = [];
  for (const [width, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size);
    found.push(...(await accessibilityViolations(page)).map((v) => ({ ...v, id: `${v.id} (${width})` })));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
  return found;
}

/** Fails on any accessibility violation of the page at either width; takes its screenshots. */
export async function review(page: Page, name: string): Promise<void> {
  const violations = await reviewPage(page, name);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 1)}`);
}

/** Clicks a form's button and waits for the page the form leads to. */
export async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()]);
}

/** Logs in on the login page the browser shows, and waits for the page it leads to. */
export async function logIn(page: Page, address: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email address').fill(address);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await submit(page, 'Log in');
}
