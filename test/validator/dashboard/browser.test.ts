/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core): the page loads,
 * shows the miners of a seeded database, its charts are drawn (checked by their SVG structure, not
 * pixels), a miner's page opens, and a device name and a detail made of HTML and script are shown as
 * text and never run. Takes the screenshot the README shows: to test/.tmp/dashboard.png on every run, and
 * to docs/img/dashboard.png only with FLOPNET_UPDATE_SCREENSHOT=1 (a test run leaves the tree clean).
 *
 * Chromium comes from the Debian package (`.ci/run` installs it: `apt-get install -y chromium`); the
 * test is skipped, saying why, only when no Chromium binary can be found.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { HOSTILE_DETAIL, HOSTILE_DEVICE, minerHotkey, seedValidatorDb } from '../../../scripts/seed-validator-db.js';
import { startDashboard, type Dashboard } from '../../../validator/dashboard/index.js';
import type { ChainSnapshot } from '../../../validator/dashboard/chain.js';

const CHROMIUM = [process.env['FLOPNET_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
if (!CHROMIUM) console.warn('dashboard browser test skipped: no Chromium at /usr/bin/chromium (install it with `apt-get install -y chromium`, as .ci/run does, or set FLOPNET_CHROMIUM)');

const MINERS = 64;
/** A week of rounds, seven minutes apart (a validator sharing the slots with six others). */
const ROUNDS = 1_440;
const ROUND_MS = 7 * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'flopnet-browser-'));
let dashboard: Dashboard;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

/** What the validator's process would read from chain: its own commitment and two other validators'. */
const chain = async (): Promise<ChainSnapshot> => ({
  readAt: Date.now(),
  block: 8_210,
  own: { uid: 0, hotkey: dashboard.identity.hotkey, stake: '412000000000000', block: 8_190, round: ROUNDS, verifiedMiners: 57, tflops: { fp32: 10_900, bf16: 171_000, fp16: 168_000 } },
  subnet: { tflops: { fp32: 10_900, bf16: 169_000, fp16: 166_000 }, validators: 3, stake: '903000000000000' },
  validators: [
    { uid: 0, hotkey: dashboard.identity.hotkey, stake: '412000000000000', block: 8_190, round: ROUNDS, verifiedMiners: 57, tflops: { fp32: 10_900, bf16: 171_000, fp16: 168_000 } },
    { uid: 65, hotkey: minerHotkey(1000), stake: '301000000000000', block: 8_185, round: 1_391, verifiedMiners: 56, tflops: { fp32: 10_700, bf16: 169_000, fp16: 166_000 } },
    { uid: 66, hotkey: minerHotkey(1001), stake: '190000000000000', block: 8_177, round: 977, verifiedMiners: 58, tflops: { fp32: 11_200, bf16: 166_000, fp16: 163_000 } },
  ],
});

beforeAll(async () => {
  if (!CHROMIUM) return;
  const db = join(dir, 'validator.db');
  seedValidatorDb(db, { miners: MINERS, rounds: ROUNDS, roundMs: ROUND_MS });
  dashboard = await startDashboard({ db, host: '127.0.0.1', port: 0, chain });
  const { chromium } = await import('playwright-core');
  // A fresh profile; no background networking: this machine's network refuses Chromium's own connections.
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await dashboard?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!CHROMIUM)('the dashboard in Chromium', () => {
  it('loads and shows the miners of the database, their devices, classes, verdicts and trends', async () => {
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const rows = page.locator('#miners tbody tr');
    expect(await rows.count()).toBe(50);
    expect(await rows.first().getAttribute('data-hotkey')).toBe(minerHotkey(0));
    expect(await page.locator('#miners thead th').allTextContents()).toEqual(['uid ▲', 'hotkey', 'device', 'fp32 TFLOPS', 'bf16 TFLOPS', 'fp16 TFLOPS', 'score', 'weight', 'last verdict', 'trend']);
    expect(await page.locator('#miners tbody tr td.verdict-verified').count()).toBeGreaterThan(40);
    expect(await page.locator('#miners tbody tr td.verdict-failed').first().textContent()).toBe('failed (out_of_tolerance)');
    // A trend line of 24 points in each verifying miner's row.
    const trend = await rows.first().locator('td.trend polyline').getAttribute('points');
    expect(trend!.split(' ')).toHaveLength(24);
    expect(await page.locator('#summary').textContent()).toContain(`miners verified`);
    expect(await page.locator('#summary .item').count()).toBeGreaterThanOrEqual(8);
  });

  it('draws the capacity chart: one path per class through the buckets, axes and a legend', async () => {
    const chart = page.locator('#capacity-chart svg');
    // A week in at most 240 buckets (42 min each): every bucket holds six rounds.
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(239);
    const paths = chart.locator('path.series');
    expect(await paths.evaluateAll((ps) => ps.map((p) => p.getAttribute('data-class')))).toEqual(['fp32', 'bf16', 'fp16']);
    for (const d of await paths.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))) {
      expect(d).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){200,}$/);
    }
    expect(await chart.locator('text.tick').count()).toBe(10);
    expect(await chart.locator('text.legend').allTextContents()).toEqual(['fp32 TFLOPS', 'bf16 TFLOPS', 'fp16 TFLOPS']);
    // The 1-day range redraws from the server's buckets.
    await page.click('#ranges button[data-range="1d"]');
    await expect.poll(() => page.locator('#ranges button.on').getAttribute('data-range')).toBe('1d');
    // The button turns on at the click; the chart is redrawn when the day's buckets arrive.
    await expect.poll(() => page.locator('#capacity-chart svg').getAttribute('data-span')).toBe(String(86_400_000));
    // A day of rounds 7 minutes apart, in 6-minute buckets: about 205 of them hold a round.
    const day = Number(await page.locator('#capacity-chart svg').getAttribute('data-points'));
    expect(day).toBeGreaterThan(190);
    expect(day).toBeLessThan(240);
  });

  it('shows the commitments on chain: its own, and the stake-weighted median over validators', async () => {
    expect(await page.locator('#own-commitment').textContent()).toBe(`round ${ROUNDS}, 57 miners verified: fp32 10,900, bf16 171,000, fp16 168,000 TFLOPS (committed at block 8190)`);
    expect(await page.locator('#subnet-capacity').textContent()).toContain('over 3 validators with a permit');
    expect(await page.locator('#validators tbody tr').count()).toBe(3);
  });

  it('shows a device name and a detail made of HTML and script as text, and runs neither', async () => {
    const hostile = page.locator(`#miners tbody tr[data-hotkey="${minerHotkey(2)}"] td.device`);
    expect(await hostile.textContent()).toBe(`${HOSTILE_DEVICE} (cuda)`);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('body img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    await page.goto(`${dashboard.url}/miner?hotkey=${minerHotkey(3)}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#results tbody tr');
    const details = await page.locator('#results td.reason').allTextContents();
    expect(details).toContain(HOSTILE_DETAIL);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
  });

  it("sorts and pages the table, and opens a miner's page with its history", async () => {
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#pager button[data-next]');
    await expect.poll(() => page.locator('#pager span').textContent()).toBe('51–64 of 64');
    expect(await page.locator('#miners tbody tr').count()).toBe(14);
    await page.click('#miners th[data-sort="score"]');
    await expect.poll(() => page.locator('#miners th[data-sort="score"]').textContent()).toBe('score ▲');
    await page.click('#miners th[data-sort="score"]');
    await expect.poll(() => page.locator('#miners th[data-sort="score"]').textContent()).toBe('score ▼');
    const first = await page.locator('#miners tbody tr').first().getAttribute('data-hotkey');

    await page.click(`#miners tbody tr[data-hotkey="${first}"] a`);
    await page.waitForURL(/\/miner\?hotkey=/);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#results tbody tr');
    expect(await page.locator('#miner-head').textContent()).toContain(first!);
    const paths = page.locator('#miner-chart svg path.series');
    expect(await paths.count()).toBe(3);
    expect(await paths.first().getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){20,}/);
    expect(await page.locator('#results tbody tr').count()).toBe(50);
    expect(await page.locator('#results tbody tr td').first().textContent()).toBe(String(ROUNDS));
    await page.click('#pager button[data-next]');
    await expect.poll(() => page.locator('#results tbody tr td').first().textContent()).toBe(String(ROUNDS - 50));
    expect(await page.locator('#verdicts dt').first().textContent()).toBe('verified');
  });

  it('takes the screenshot the README shows', async () => {
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-ready="true"]');
    const path = process.env['FLOPNET_UPDATE_SCREENSHOT'] === '1' ? 'docs/img/dashboard.png' : 'test/.tmp/dashboard.png';
    const shot = await page.screenshot({ path, fullPage: false });
    expect(shot.length).toBeGreaterThan(20_000);
    expect(pageErrors).toEqual([]);
  });
});
