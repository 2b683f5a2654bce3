/**
 * `npm run sandbox` in a real browser: Debian's Chromium, driven by playwright-core, does what a
 * person would on the page (types commands, attaches a file, presses buttons, fills a modal,
 * reacts, switches persona) against the
 * real bot, the embedded model and the local Discord-compatible server. Screenshots of each stage
 * land in test-artifacts/sandbox/; UPDATE_SCREENSHOT=1 also refreshes docs/sandbox.png for the README.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../src/diffusion/png.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { EngineGate } from '../support/engine-gate.ts';
import { EMBEDDED_MODEL_DIR, embeddedPipeline } from '../support/model.ts';
import { repoRoot } from '../support/repo-paths.ts';
import { requirement } from '../support/requirements.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const playwright = await import('playwright-core').catch(() => undefined);
const chromium = requirement(
  'Chromium',
  'CHROMIUM',
  !existsSync(CHROMIUM) ? `no ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)` : !playwright ? 'playwright-core is not installed (npm install)' : undefined,
);
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'sandbox');

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

describe.skipIf(chromium.missing !== undefined)(`the sandbox page in Chromium ${chromium.title}`, () => {
  let sandbox: Sandbox;
  let engine: EngineGate;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-browser-'));
    engine = new EngineGate(await embeddedPipeline());
    sandbox = await startSandbox({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      env: { MODEL_DIR: EMBEDDED_MODEL_DIR, PREVIEW_INTERVAL_MS: '250' },
      bot: { pipeline: engine.pipeline, log: (m) => void logs.push(m) },
    });
    browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    await page.goto(sandbox.url);
    await page.getByRole('status').getByText('connected', { exact: true }).waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const shot = async (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  const message = () => page.getByRole('textbox', { name: 'Message' });
  const messageWith = (button: string) => page.locator('li.message').filter({ has: page.getByRole('button', { name: button, exact: true }) });

  it('runs /imagine from typed text: thinking…, a preview, then the grid with U1-U4, V1-V4 and 🔁, whose PNG keeps its parameters', async () => {
    await message().fill('/ima');
    // Autocomplete offers what the bot registered with the server.
    await page.getByRole('option', { name: /\/imagine/ }).waitFor();
    await message().press('Tab');
    expect(await message().inputValue()).toBe('/imagine ');
    // Then its options, as registered.
    await page.getByRole('option', { name: /^prompt:/ }).waitFor();
    await page.getByRole('option', { name: /^seed:/ }).waitFor();
    await message().pressSequentially('a red circle');
    // The deferred reply stays as it is until the bot's first edit arrives, and the job stays at its first step until we look.
    const firstEdit = sandbox.discord.holdRequests({ method: 'PATCH', path: '/messages/@original' });
    const held = engine.hold({ prompt: 'a red circle' });
    await message().press('Enter');
    await page.getByText('imagine-bot is thinking…').waitFor();
    await page.getByText('alice used /imagine').waitFor();
    await shot('1-thinking');
    firstEdit.release();
    await held.reached;
    await page.getByRole('img', { name: 'preview.png' }).waitFor();
    await shot('2-preview');
    held.release();

    const grid = messageWith('U1');
    await grid.waitFor({ timeout: 120_000 });
    for (const label of ['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4', '🔁 Reroll']) {
      await expect(grid.getByRole('button', { name: label, exact: true }).count()).resolves.toBe(1);
    }
    await expect(grid.getByText(/a red circle/).count()).resolves.toBeGreaterThan(0);
    const image = grid.getByRole('img', { name: /^job-/ });
    const src = (await image.getAttribute('src'))!;
    const bytes = Buffer.from(await page.evaluate(async (url) => [...new Uint8Array(await (await fetch(url)).arrayBuffer())], src));
    expect(readPngText(bytes).parameters).toMatch(/^a red circle\nSteps: \d+, Sampler: /);
    // The thumbnail opens the full-size file itself.
    await expect(grid.getByRole('link', { name: /^Open job-.* full size$/ }).getAttribute('href')).resolves.toBe(src);
    await shot('3-grid');
  });

  it('U1 posts the upscale, and a 🔀 reaction on it starts a variation, as in Discord', async () => {
    await messageWith('U1').getByRole('button', { name: 'U1', exact: true }).click();
    const upscale = messageWith('🔀 Vary');
    await upscale.waitFor({ timeout: 120_000 });
    await expect(upscale.getByText('alice used a button').count()).resolves.toBe(1);
    await expect(upscale.getByRole('img').count()).resolves.toBe(1);

    await upscale.getByRole('button', { name: 'Add reaction' }).click();
    await upscale.getByRole('menuitem', { name: 'React with 🔀' }).click();
    // The reaction is alice's (pressed), beside the bot's own.
    await upscale.getByRole('button', { name: '🔀 2', pressed: true }).waitFor();
    // The variation is a second single-image result.
    await expect.poll(() => messageWith('🔀 Vary').count(), { timeout: 120_000 }).toBe(2);
    await shot('4-upscale-and-variation');
    // The README's picture of the sandbox, refreshed on request so it shows the page as it is.
    // A palette PNG keeps the committed file small (about a third).
    if (process.env.UPDATE_SCREENSHOT === '1') await sharp(path.join(ARTIFACTS, '4-upscale-and-variation.png')).png({ palette: true }).toFile(path.join(repoRoot, 'docs', 'sandbox.png'));
  });

  it('a second server has its own, empty channel', async () => {
    await page.getByRole('link', { name: 'Second server' }).click();
    await page.locator('.server-name').getByText('Second server').waitFor();
    await expect(page.locator('li.message').count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Sandbox' }).click();
    await messageWith('U1').waitFor();
  });

  it('what the Discord client would not send is explained under the box, and nothing reaches the bot', async () => {
    await message().fill('/imagine seed: 7');
    await message().press('Enter');
    await page.getByRole('alert').getByText('/imagine: required option "prompt" is missing').waitFor();
    // A command sent after it is answered, and still only the first /imagine was ever made.
    await message().fill('/quota me');
    await message().press('Enter');
    await page.getByText('alice used /quota').waitFor();
    await expect(page.getByText('alice used /imagine').count()).resolves.toBe(1);
  });

  it('with remix on, V1 shows the remix modal holding the prompt; the edited prompt, submitted, is the variation\'s', async () => {
    await message().fill('/settings remix: on');
    await message().press('Enter');
    await page.locator('li.message').filter({ hasText: 'remix: on' }).waitFor();
    await messageWith('V1').getByRole('button', { name: 'V1', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Remix' });
    await dialog.waitFor();
    const prompt = dialog.getByRole('textbox', { name: 'Prompt' });
    expect(await prompt.inputValue()).toBe('a red circle');
    await prompt.fill('a green triangle');
    await shot('6-remix-modal');
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await expect(dialog.isVisible()).resolves.toBe(false);
    const variation = page.locator('li.message').filter({ hasText: 'a green triangle' }).filter({ has: page.getByRole('img', { name: /^job-/ }) });
    await variation.waitFor({ timeout: 120_000 });
    await expect(variation.getByText('alice used a button').count()).resolves.toBe(1);
    const [job] = await sandbox.bot.store.jobs.listRecentByUser(sandbox.world.personas[0]!.id, { limit: 1 });
    expect(job).toMatchObject({ kind: 'vary', prompt: 'a green triangle', status: 'done' });
  });

  it('/diffuse with a file attached (📎) films that picture', async () => {
    const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#2a6' } }).png().toBuffer();
    await page.getByLabel('Attach a file').setInputFiles({ name: 'green.png', mimeType: 'image/png', buffer: png });
    await page.getByText('📎 green.png').waitFor();
    await message().fill('/diffuse');
    await message().press('Enter');
    await page.getByText('alice used /diffuse').waitFor();
    const film = page.locator('li.message').filter({ hasText: 'the uploaded picture green.png' }).filter({ has: page.getByRole('img', { name: /^job-\d+\.webp$/ }) });
    await film.waitFor({ timeout: 120_000 });
    await shot('7-diffuse-upload');
    const [job] = await sandbox.bot.store.jobs.listRecentByUser(sandbox.world.personas[0]!.id, { limit: 1 });
    expect(job).toMatchObject({ kind: 'diffuse', parentJobId: null, status: 'done' });
    expect(job!.inputPath).toMatch(/^uploads\/\d+\.png$/);
  });

  it('switched to the moderator, /mod pause pauses the server, in an answer only the moderator sees', async () => {
    await page.getByRole('combobox', { name: 'Acting as' }).selectOption({ label: 'mod (moderator, Manage Server)' });
    await message().fill('/mod pause');
    await message().press('Enter');
    const answer = page.locator('li.message').filter({ hasText: "Paused this server's queue" });
    await answer.waitFor();
    await expect(answer.getByText('mod used /mod').count()).resolves.toBe(1);
    await expect(answer.getByText('Only you can see this').count()).resolves.toBe(1);
    await shot('5-mod-pause');
    expect(await sandbox.bot.context.moderation.pausedGuilds()).toEqual([sandbox.world.servers[0]!.id]);
    await page.getByRole('combobox', { name: 'Acting as' }).selectOption({ label: 'alice (member)' });
    await messageWith('U1').waitFor();
    await expect(answer.count()).resolves.toBe(0);
  });
});
