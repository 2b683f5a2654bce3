/** Gateway discovery, the bot's user and application, and application command registration. */
import { errors } from '../api-error.ts';
import { apiCommand, overwriteCommands, upsertCommand } from '../command-registry.ts';
import type { FakeContext } from '../context.ts';
import type { RouteRequest, Router } from '../router.ts';
import { apiUser } from '../serialize.ts';

export function registerApplicationRoutes(router: Router, context: FakeContext): void {
  const { world } = context;
  const gatewayUrl = () => context.origin().replace(/^http/, 'ws');

  router.add('GET', '/gateway', () => ({ status: 200, body: { url: gatewayUrl() } }));
  router.add('GET', '/gateway/bot', () => ({
    status: 200,
    body: {
      url: gatewayUrl(),
      shards: context.settings.recommendedShards,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: context.settings.maxConcurrency },
    },
  }));

  router.add('GET', '/users/@me', () => ({ status: 200, body: { ...apiUser(world.user(world.botUserId)), verified: true, mfa_enabled: false } }));
  router.add('GET', '/users/:user', (request) => ({ status: 200, body: apiUser(world.user(request.params.user)) }));

  router.add('GET', '/applications/@me', () => ({
    status: 200,
    body: {
      id: world.applicationId,
      name: world.user(world.botUserId).username,
      icon: null,
      description: '',
      bot_public: true,
      bot_require_code_grant: false,
      bot: apiUser(world.user(world.botUserId)),
      verify_key: '0'.repeat(64),
      flags: 0,
      team: null,
      owner: apiUser(world.user(world.botUserId)),
    },
  }));

  const application = (request: RouteRequest) => {
    if (request.params.app !== world.applicationId) throw errors.unauthorized();
  };
  const guildScope = (request: RouteRequest) => {
    application(request);
    return world.guild(request.params.guild).id;
  };
  const list = (guildId: string | null) => world.commands.filter((c) => c.guildId === guildId).map((c) => apiCommand(world, c));
  const remove = (guildId: string | null, id: string) => {
    const index = world.commands.findIndex((c) => c.guildId === guildId && c.id === id);
    if (index < 0) throw errors.unknownApplicationCommand();
    world.commands.splice(index, 1);
    return { status: 204 };
  };

  router.add('GET', '/applications/:app/commands', (request) => (application(request), { status: 200, body: list(null) }));
  router.add('PUT', '/applications/:app/commands', (request) => {
    application(request);
    return { status: 200, body: overwriteCommands(world, null, request.body).map((c) => apiCommand(world, c)) };
  });
  router.add('POST', '/applications/:app/commands', (request) => {
    application(request);
    return { status: 201, body: apiCommand(world, upsertCommand(world, null, request.body)) };
  });
  router.add('DELETE', '/applications/:app/commands/:command', (request) => (application(request), remove(null, request.params.command)));

  router.add('GET', '/applications/:app/guilds/:guild/commands', (request) => ({ status: 200, body: list(guildScope(request)) }));
  router.add('PUT', '/applications/:app/guilds/:guild/commands', (request) => {
    const guildId = guildScope(request);
    return { status: 200, body: overwriteCommands(world, guildId, request.body).map((c) => apiCommand(world, c)) };
  });
  router.add('POST', '/applications/:app/guilds/:guild/commands', (request) => {
    const guildId = guildScope(request);
    return { status: 201, body: apiCommand(world, upsertCommand(world, guildId, request.body)) };
  });
  router.add('DELETE', '/applications/:app/guilds/:guild/commands/:command', (request) => remove(guildScope(request), request.params.command));
}
