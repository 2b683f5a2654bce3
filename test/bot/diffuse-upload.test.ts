/**
 * /diffuse image: end to end: the real bot and model, discord.js against the local
 * Discord-compatible server, which uploads the file with the command and serves it at the signed
 * URL it gives. The picture is downloaded from there, fitted to a size the model makes (the member
 * is told), stored with the job (a restart still has it), filmed into noise over 20 frames and
 * charged like a variation. Files that are not pictures, too large or too many pixels are refused
 * before anything is queued or charged, and leave nothing behind.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeForAspect } from '../../src/diffusion/image-sizes.ts';
import { hasImage, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import { embeddedPipeline } from '../support/model.ts';
import type { InteractionHandle, MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;
const filmOf = (m: MessageRecord) => m.attachments.find((a) => a.filename.startsWith('job-'))!;
const jobsOf = (user: UserRecord) => h.bot.store.jobs.listRecentByUser(user.id, { guildId: h.discord.guild.id, limit: 50 });
const uploadsLeft = () => {
  try {
    return readdirSync(path.join(h.config.imageDir, 'uploads'));
  } catch {
    return [];
  }
};

/** A picture, red on the left half, blue on the right. */
const picture = (width = 300, height = 200) =>
  sharp({ create: { width, height, channels: 3, background: '#1030e0' } })
    .composite([{ input: { create: { width: Math.round(width / 2), height, channels: 3, background: '#e01010' } }, left: 0, top: 0 }])
    .png()
    .toBuffer();

/** How a command ended for the member: their private answer, or the public result. */
function privateAnswer(cmd: InteractionHandle): Promise<MessageRecord> {
  return h.discord.waitFor(() => [cmd.original, ...cmd.followups].find((m) => m && m.flags & EPHEMERAL && m.deletedAt === null), { timeoutMs: 60_000, label: 'a private answer' });
}

describe('/diffuse image: films an attached picture', () => {
  it('downloads it from Discord, fits it to the nearest size the model makes, says so privately, and posts 20 frames, charged one credit, with no parent', async () => {
    const member = h.discord.newMember({ username: 'uploader' });
    // 301x200: no size of the model has exactly that shape.
    const bytes = await picture(301, 200);
    const cmd = h.discord.slashCommand({ name: 'diffuse', user: member, options: { image: { filename: 'two halves.png', bytes } } });
    const result = await cmd.waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    const size = sizeForAspect((await embeddedPipeline()).info.sizes, 301, 200);
    expect(job).toMatchObject({ kind: 'diffuse', userId: member.id, parentJobId: null, parentImageIndex: null, count: 1, status: 'done', cost: 1, ...size });
    expect(job.inputPath).toBe(`uploads/${cmd.id}.png`);
    expect(result.content).toContain('the uploaded picture two halves.png');
    expect(result.content).toContain(`Job ${job.id}`);
    expect(result.components).toEqual([]);
    const meta = await sharp(filmOf(result).bytes).metadata();
    expect([filmOf(result).filename, meta.format, meta.pages]).toEqual([`job-${job.id}.webp`, 'webp', 20]);
    // The first frame is the picture itself, barely noised: red on the left, blue on the right.
    const { data, info } = await sharp(filmOf(result).bytes, { page: 0 }).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number) => data.subarray((Math.floor(info.height / 3) * info.width + x) * info.channels, (Math.floor(info.height / 3) * info.width + x) * info.channels + 3);
    expect(at(Math.floor(info.width / 6))[0]).toBeGreaterThan(at(Math.floor(info.width / 6))[2]);
    expect(at(Math.floor((info.width * 5) / 6))[2]).toBeGreaterThan(at(Math.floor((info.width * 5) / 6))[0]);

    const note = await privateAnswer(cmd);
    expect(note.content).toBe(`Your picture is 301x200, a shape tiny-shapes does not make; it was scaled and cropped (centred) to ${size.width}x${size.height}, the nearest it does.`);
    const reserved = await reservations(h, member);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
  });

  it('/history lists the film of the upload, and /show posts it again', async () => {
    const member = h.discord.newMember({ username: 'historian' });
    const result = await h.discord
      .slashCommand({ name: 'diffuse', user: member, options: { image: { filename: 'halves.png', bytes: await picture(128, 128) } } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    const history = await h.discord.slashCommand({ name: 'history', user: member }).waitForOriginal((m) => m.content.includes(`job ${job.id}`));
    expect(history.content).toMatch(new RegExp(`\\*\\*job ${job.id}\\*\\* · diffuse · done · seed ${job.seed} · ${job.width}x${job.height} · .* · the uploaded picture halves\\.png`));
    const shown = await h.discord.slashCommand({ name: 'show', user: member, options: { job: job.id } }).waitForOriginal(hasImage, { timeoutMs: 60_000 });
    expect(filmOf(shown).filename).toBe(`job-${job.id}.webp`);
    expect(shown.content).toContain('the uploaded picture halves.png');
  });

  it('a job waiting when the bot stops is filmed by the next start, from the stored upload, in its own reply', async () => {
    const member = h.discord.newMember({ username: 'patient-uploader' });
    // An /imagine held at its first step keeps the upload's job waiting.
    const held = h.engine.hold({ prompt: 'a slow square' });
    const first = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a slow square', steps: 2, count: 1 } });
    await held.reached;
    const cmd = h.discord.slashCommand({ name: 'diffuse', user: member, options: { image: { filename: 'later.png', bytes: await picture() } } });
    const waiting = await h.discord.waitFor(async () => (await jobsOf(member)).find((j) => j.kind === 'diffuse'), { label: 'the upload job recorded' });
    expect(waiting).toMatchObject({ status: 'queued', inputPath: `uploads/${cmd.id}.png` });

    await h.restart();
    const result = await cmd.waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ id: waiting.id, kind: 'diffuse', status: 'done' });
    expect((await sharp(filmOf(result).bytes).metadata()).pages).toBe(20);
    await first.waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect((await reservations(h, member)).map((e) => e.jobId).sort()).toEqual([waiting.id, (await jobOf(h, first.original!.id)).id].sort());
  });
});

describe('/diffuse refuses what it cannot film, privately, charging and keeping nothing', () => {
  const refused = async (member: UserRecord, options: Parameters<typeof h.discord.slashCommand>[0]['options']) => {
    const cmd = h.discord.slashCommand({ name: 'diffuse', user: member, options });
    const answer = await privateAnswer(cmd);
    expect(await jobsOf(member)).toEqual([]);
    expect(await reservations(h, member)).toEqual([]);
    // A copy stored before the refusal goes right after it.
    await h.discord.waitFor(() => !uploadsLeft().includes(`${cmd.id}.png`), { label: `no stored copy of ${cmd.id}'s upload` });
    return answer.content;
  };

  it('neither image: nor job:, or both, is refused naming both options', async () => {
    const member = h.discord.newMember({ username: 'no-source' });
    expect(await refused(member, {})).toBe("/diffuse films one picture: give image: (a picture to attach) or job: (a past job's, see /history), one of them. Nothing was queued or charged.");
    expect(await refused(member, { job: 1, image: { filename: 'a.png', bytes: await picture() } })).toBe(
      "/diffuse films one picture: give image: (a picture to attach) or job: (a past job's, see /history), not both. Nothing was queued or charged.",
    );
  });

  it('a file Discord calls text is refused by its type, naming it', async () => {
    const member = h.discord.newMember({ username: 'text-uploader' });
    const answer = await refused(member, { image: { filename: 'notes.txt', bytes: Buffer.from('a red circle, please') } });
    expect(answer).toBe('"notes.txt" is a text/plain; charset=utf-8 file, not a picture; /diffuse image: takes a PNG, JPEG, WebP or GIF picture. Nothing was queued or charged.');
  });

  it('a file that claims to be a PNG but is none is refused once read', async () => {
    const member = h.discord.newMember({ username: 'fake-png' });
    const answer = await refused(member, { image: { filename: 'broken.png', bytes: Buffer.from('not a picture at all'), contentType: 'image/png' } });
    expect(answer).toMatch(/^"broken\.png" could not be read as a picture \(.+\); \/diffuse image: takes a PNG, JPEG, WebP or GIF picture\. Nothing was queued or charged\.$/);
  });

  it('a file over 8 MiB is refused naming its size and the limit', async () => {
    const member = h.discord.newMember({ username: 'big-uploader' });
    const bytes = Buffer.concat([await picture(), Buffer.alloc(9 * 1024 * 1024 - 10_000)]);
    const answer = await refused(member, { image: { filename: 'big.png', bytes } });
    expect(answer).toBe(`"big.png" is ${(bytes.length / 1024 / 1024).toFixed(1)} MiB; /diffuse image: takes pictures of at most 8.0 MiB. Nothing was queued or charged.`);
  });

  it('a picture of more than 36 megapixels is refused naming its size and the limit', async () => {
    const member = h.discord.newMember({ username: 'huge-uploader' });
    // Only the header matters: Discord and the bot both read the size from it.
    const header = Buffer.from(await picture(8, 8));
    header.writeUInt32BE(7000, 16);
    header.writeUInt32BE(6000, 20);
    const answer = await refused(member, { image: { filename: 'huge.png', bytes: header } });
    expect(answer).toBe('"huge.png" is 7000x6000 pixels (42.0 megapixels); /diffuse image: takes at most 36 megapixels. Nothing was queued or charged.');
  });

  it('a picture whose name has a banned word is refused after download, and its stored copy goes', async () => {
    const member = h.discord.newMember({ username: 'banned-name' });
    await h.bot.context.moderation.banWord({ userId: h.discord.user.id, guildId: h.discord.guild.id, canManageGuild: true, roleIds: [], interactionId: '3' }, 'forbiddenword');
    const answer = await refused(member, { image: { filename: 'forbiddenword.png', bytes: await picture() } });
    expect(answer).toContain('forbiddenword');
  });
});
