/** Every REST route the fake answers, in matching order (literal segments such as @me before parameters). */
import type { FakeContext } from './context.ts';
import { Router } from './router.ts';
import { registerApplicationRoutes } from './routes/application-routes.ts';
import { registerChannelRoutes } from './routes/channel-routes.ts';
import { registerGuildRoutes } from './routes/guild-routes.ts';
import { registerInteractionRoutes } from './routes/interaction-routes.ts';
import { registerReactionRoutes } from './routes/reaction-routes.ts';

export function buildRouter(context: FakeContext): Router {
  const router = new Router();
  registerApplicationRoutes(router, context);
  registerInteractionRoutes(router, context);
  registerReactionRoutes(router, context);
  registerChannelRoutes(router, context);
  registerGuildRoutes(router, context);
  return router;
}
