/**
 * The HTTP side: decodes paths (discord.js percent-encodes @original and emoji), parses bodies, applies
 * injected 429 storms, routes, logs every request, and stamps rate-limit headers on every answer.
 * WebSocket upgrades on the same port go to the gateway.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, errors } from './api-error.ts';
import { signedUrlValid } from './command-uploads.ts';
import type { FakeContext } from './context.ts';
import { parseBody } from './multipart.ts';
import { limitedBody, limitedHeaders, okHeaders, type RateLimitStorm } from './rate-limits.ts';
import type { RequestRecord } from './records.ts';
import type { RequestFailure, RequestHold } from './request-faults.ts';
import type { Router } from './router.ts';

export interface HttpServerDeps {
  readonly context: FakeContext;
  readonly router: Router;
  readonly storms: readonly RateLimitStorm[];
  readonly failures: readonly RequestFailure[];
  readonly holds: readonly RequestHold[];
  /** Resolves when the server closes: held requests never released are dropped then. */
  readonly closing: Promise<void>;
  readonly botToken: string;
  /** Errors thrown by the fake itself (answered 500): a bug in the fake, not in the bot. */
  readonly internalErrors: Error[];
}

export async function listen(deps: HttpServerDeps): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      // The client went away mid-request (a bot process killed while uploading): nothing to answer, and no fault of the fake.
      if ((error as NodeJS.ErrnoException)?.code === 'ECONNRESET' || (error as Error)?.message === 'aborted') return;
      deps.internalErrors.push(error instanceof Error ? error : new Error(String(error)));
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('upgrade', (request, socket, head) => deps.context.gateway.handleUpgrade(request, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(deps: HttpServerDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { world } = deps.context;
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter(Boolean).map((segment) => decodeURIComponent(segment));
  } catch {
    // A malformed escape is the client's fault, answered as Discord's edge would, not a fake bug.
    response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: '400: Bad Request', code: 0 }));
    return;
  }
  if (segments[0] === 'attachments' && request.method === 'GET') return serveAttachment(deps, segments, response);
  if (segments[0] === 'ephemeral-attachments' && request.method === 'GET') return serveAttachment(deps, segments, response, url.searchParams);
  if (segments[0] === 'api') segments.shift();
  if (/^v\d+$/.test(segments[0] ?? '')) segments.shift();
  const method = request.method ?? 'GET';
  const path = '/' + segments.join('/');
  const { json, files } = await parseBody(await readAll(request), request.headers['content-type']);
  const match = deps.router.match(method, segments);
  const route = match?.route.template ?? `${method} ${path}`;
  const record: RequestRecord = {
    at: Date.now(),
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    route: match?.route.template ?? null,
    body: json,
    files,
    status: 0,
    rateLimited: false,
    error: undefined,
  };
  world.requests.push(record);

  const storm = deps.storms.find((s) => s.matches(method, path, () => guildOfRequest(deps.context, segments)));
  if (storm) {
    storm.hits += 1;
    record.rateLimited = true;
    return send(response, record, 429, limitedBody(storm), limitedHeaders(route, storm));
  }
  for (const hold of deps.holds) {
    const gate = hold.take(record);
    if (!gate) continue;
    if ((await Promise.race([gate.then(() => 'released'), deps.closing.then(() => 'closed')])) === 'closed') return;
    break;
  }
  const failure = firstFailure(deps.failures, record);
  if (failure === 'drop-before') return drop(response, record);
  try {
    if (failure && failure !== 'drop-after') throw failure;
    if (!match) throw errors.notFound();
    if (!match.route.tokenAuth && request.headers.authorization !== `Bot ${deps.botToken}`) throw errors.unauthorized();
    const result = match.route.handler({ params: match.params, query: url.searchParams, body: json, files, authorization: request.headers.authorization });
    if (failure === 'drop-after') return drop(response, record);
    send(response, record, result.status, result.body, okHeaders(route));
  } catch (error) {
    if (!(error instanceof ApiError)) {
      deps.internalErrors.push(error instanceof Error ? error : new Error(String(error)));
      return send(response, record, 500, { message: `fake-discord internal error: ${String(error)}`, code: 0 }, okHeaders(route));
    }
    send(response, record, error.status, error.toJSON(), okHeaders(route));
  }
}

function firstFailure(failures: readonly RequestFailure[], record: RequestRecord): ReturnType<RequestFailure['take']> {
  for (const failure of failures) {
    const how = failure.take(record);
    if (how) return how;
  }
  return undefined;
}

/** The guild a request is about: the channel's, or the guild where the webhook's interaction was made. */
function guildOfRequest(context: FakeContext, segments: string[]): string | null {
  const { world } = context;
  if (segments[0] === 'channels') return world.channels.get(segments[1] ?? '')?.guildId ?? null;
  if (segments[0] === 'webhooks' || segments[0] === 'interactions') return world.interactions.get(segments[2] ?? '')?.guildId ?? null;
  return null;
}

function send(response: ServerResponse, record: RequestRecord, status: number, body: unknown, headers: Record<string, string>): void {
  record.status = status;
  if (status >= 400) record.error = body;
  if (status === 204 || body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  response.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Closes the connection without an answer: the client sees a network error. */
function drop(response: ServerResponse, record: RequestRecord): void {
  record.status = -1;
  record.error = 'connection dropped';
  response.socket?.destroy();
}

/** A command's upload answers only at its signed URL (`query`), until it expires; 404 otherwise, as Discord's CDN does. */
function serveAttachment(deps: HttpServerDeps, segments: string[], response: ServerResponse, query?: URLSearchParams): void {
  const attachment = deps.context.world.attachments.get(segments[2] ?? '');
  const reachable = attachment && (query ? signedUrlValid(deps.context, attachment, segments[1] ?? '', query) : !attachment.ephemeral);
  if (!attachment || !reachable) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('This content is no longer available.');
    return;
  }
  response.writeHead(200, { 'content-type': attachment.contentType, 'content-length': attachment.size }).end(attachment.bytes);
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
