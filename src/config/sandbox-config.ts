/**
 * Settings of `npm run sandbox` only, parsed once like the bot's (config.ts). The page drives the
 * bot as any member or moderator, so it binds 127.0.0.1 unless SANDBOX_HOST asks for more.
 */
import { ConfigError } from './config.ts';

export interface SandboxConfig {
  /** Interface the page is served on. @default '127.0.0.1' */
  host: string;
  /** Port of the page; 0 picks a free one. @default 3000 */
  port: number;
}

export function loadSandboxConfig(env: Record<string, string | undefined>): SandboxConfig {
  const problems: string[] = [];
  const host = (env.SANDBOX_HOST ?? '').trim() || '127.0.0.1';
  if (/[\s/]/.test(host)) problems.push(`SANDBOX_HOST must be a host name or IP address, got "${host}"`);
  const rawPort = (env.SANDBOX_PORT ?? '').trim();
  const port = rawPort ? Number(rawPort) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`SANDBOX_PORT must be a whole number from 0 to 65535, got "${rawPort}"`);
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({ host, port });
}
