// Banned words through the moderation service on a real SQLite file: a moderator bans a word in
// any spelling, and every spelling of it in a prompt or negative prompt is refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModerationService, type Actor } from '../../src/services/moderation-service.ts';
import { UserError } from '../../src/services/user-error.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { GORE_SPELLINGS } from '../support/banned-spellings.ts';
import { GUILD, MOD, OTHER_GUILD, tempSqliteUrl } from '../store/fixtures.ts';

let store: Store;
let moderation: ModerationService;
let cleanup: () => Promise<void>;

const admin: Actor = { userId: MOD, guildId: GUILD, canManageGuild: true, roleIds: [] };
const REFUSED_GORE = 'This server does not allow "gore" in prompts. Nothing was queued or charged.';

beforeEach(async () => {
  const db = await tempSqliteUrl();
  cleanup = db.cleanup;
  store = await openStore(db.url);
  moderation = new ModerationService(store);
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

async function refusal(promise: Promise<unknown>): Promise<UserError | undefined> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (err !== undefined && !(err instanceof UserError)) throw err;
  return err;
}

describe('checkPrompt', () => {
  it.each(GORE_SPELLINGS)('refuses a prompt with "gore" written with %s', async (_label, prompt) => {
    await moderation.banWord(admin, 'gore');
    const err = await refusal(moderation.checkPrompt(GUILD, prompt));
    expect({ id: err?.identifier, message: err?.message }).toEqual({ id: 'prompt.banned', message: REFUSED_GORE });
  });

  it('refuses the spellings in the negative prompt too, and lets other servers and other words be', async () => {
    await moderation.banWord(admin, 'gore');
    expect((await refusal(moderation.checkPrompt(GUILD, 'a calm lake', 'g&#x6f;re')))?.message).toBe(REFUSED_GORE);
    expect(await refusal(moderation.checkPrompt(OTHER_GUILD, 'a &#103;ore scene'))).toBeUndefined();
    expect(await refusal(moderation.checkPrompt(GUILD, 'a gorey gorge', 'no gorgeous sky'))).toBeUndefined();
  });

  it('bans the same word whichever way the moderator spelt it', async () => {
    const added = await moderation.banWord(admin, 'g\u043eRE'); // Cyrillic о, capitals
    expect(added).toEqual({ word: 'gore', added: true });
    expect(await moderation.banWord(admin, 'GÔRE')).toEqual({ word: 'gore', added: false });
    expect((await refusal(moderation.checkPrompt(GUILD, 'a gore scene')))?.message).toBe(REFUSED_GORE);
    expect((await refusal(moderation.checkPrompt(GUILD, 'a g\u03bfre scene')))?.message).toBe(REFUSED_GORE);
    expect(await moderation.unbanWord(admin, 'Gore')).toEqual({ word: 'gore', removed: true });
    expect(await refusal(moderation.checkPrompt(GUILD, 'a &#103;ore scene'))).toBeUndefined();
  });

  it('keeps whole words under a ban on "ass": "class" and "classic" pass, "ass" in any spelling does not', async () => {
    await moderation.banWord(admin, 'ass');
    expect(await refusal(moderation.checkPrompt(GUILD, 'a classic class, an assistant, cl&#97;ss'))).toBeUndefined();
    for (const prompt of ['an ass', 'an ASS', 'an &#97;ss', 'an \u0430ss', 'an a\u200bss', 'an ａｓｓ']) {
      expect((await refusal(moderation.checkPrompt(GUILD, prompt)))?.message, prompt).toBe(
        'This server does not allow "ass" in prompts. Nothing was queued or charged.',
      );
    }
  });

  it('matches a banned phrase across collapsed and invisible whitespace', async () => {
    await moderation.banWord(admin, 'Blood  Bath');
    expect((await refusal(moderation.checkPrompt(GUILD, 'a blood\u00a0\u200b bath')))?.message).toBe(
      'This server does not allow "blood bath" in prompts. Nothing was queued or charged.',
    );
  });
});
