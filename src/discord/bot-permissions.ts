/**
 * The channel permissions the bot needs to see a job through, checked before anything is reserved:
 * a job that could never be delivered is refused at once, by name, instead of charged and lost.
 */
import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import { UserError } from '../services/user-error.ts';

/**
 * Each permission and why a job needs it. The interaction reply itself needs none of them (Discord
 * lets an app answer where it was invoked); what follows it does, and it cannot be known in
 * advance which job takes which path, so every job asks for all of them.
 */
export const JOB_PERMISSIONS: readonly { flag: bigint; name: string }[] = [
  // Without it the channel is out of reach for everything below (Discord answers 50001).
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
  // After the 15-minute interaction token, and for jobs started by a reaction, the result is a channel message.
  { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' },
  // That channel message carries the picture.
  { flag: PermissionFlagsBits.AttachFiles, name: 'Attach Files' },
  // Single-image results (every upscale and variation) get 🔍 🔀 🔁 so members can react to go on.
  { flag: PermissionFlagsBits.AddReactions, name: 'Add Reactions' },
  // Discord requires it to react to a message, and to reply to the result a reaction job started from.
  { flag: PermissionFlagsBits.ReadMessageHistory, name: 'Read Message History' },
];

/** Names of the job permissions `permissions` lacks; none when they are unknown (null). */
export function missingJobPermissions(permissions: Readonly<PermissionsBitField> | null): string[] {
  if (!permissions) return [];
  return JOB_PERMISSIONS.filter((p) => !permissions.has(p.flag)).map((p) => p.name);
}

function list(names: string[]): string {
  const bold = names.map((n) => `**${n}**`);
  return bold.length === 1 ? bold[0] : `${bold.slice(0, -1).join(', ')} and ${bold.at(-1)}`;
}

/** Refuses, naming every missing permission, before anything is queued or charged. */
export function requireJobPermissions(permissions: Readonly<PermissionsBitField> | null): void {
  const missing = missingJobPermissions(permissions);
  if (missing.length === 0) return;
  throw new UserError(
    'permissions.missing',
    `I can't make pictures in this channel: I'm missing the ${list(missing)} permission${missing.length === 1 ? '' : 's'} here. ` +
      `A server moderator can grant ${missing.length === 1 ? 'it' : 'them'} to my role or in this channel's permissions. Nothing was queued or charged.`,
  );
}

/** Whether the bot can post a refusal in the channel as a reply to a message (reaction-started jobs). */
export function canReplyInChannel(permissions: Readonly<PermissionsBitField> | null): boolean {
  const needed = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory;
  return permissions === null || permissions.has(needed);
}
