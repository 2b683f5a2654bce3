/**
 * What a member reads for a refusal. Services say it in plain words and hand over the values;
 * what only Discord has (a role mention, the command to run next) is added here.
 */
import type { UserError } from '../services/user-error.ts';

/** Whom to ask for more credits: the moderator role (mentioned, never pinged), else Manage Server. */
export function moderatorHintText(moderatorRoleId: string | null): string {
  return moderatorRoleId ? `a moderator (<@&${moderatorRoleId}>)` : 'a server moderator (Manage Server)';
}

export function userErrorText(err: UserError): string {
  const v = err.values;
  switch (err.identifier) {
    case 'mod.forbidden':
      return `Only members with the Manage Server permission${v.moderatorRoleId ? ` or the <@&${String(v.moderatorRoleId)}> role` : ''} can do this.`;
    case 'quota.spent':
      return `${err.message} For more, ask ${moderatorHintText((v.moderatorRoleId as string | null | undefined) ?? null)}.`;
    case 'queue.user-limit':
      return `${err.message} Use /cancel or wait for one to finish.`;
    case 'mod.repeated':
      return `${err.message} ${v.pending ? '/mod audit shows what happened.' : '/mod audit shows it.'}`;
    default:
      return err.message;
  }
}
