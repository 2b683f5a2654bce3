/**
 * The sandbox's own HTTP server: the page (static files, no build step), uploaded images as the
 * bot sent them (byte for byte, so a saved PNG keeps its `parameters` chunk), and the page's
 * WebSocket at /events.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { FakeDiscord } from './discord-server/index.ts';
import { servePageSocket } from './page-socket.ts';
import type { SandboxWorld } from './sandbox-world.ts';

const PAGE_DIR = new URL('./page/', import.meta.url);
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/sandbox.css': { file: 'sandbox.css', type: 'text/css; charset=utf-8' },
  '/sandbox.js': { file: 'sandbox.js', type: 'text/javascript; charset=utf-8' },
};

export interface WebServer {
  /** http://host:port/ as a browser on this machine reaches it. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startWebServer(discord: FakeDiscord, world: SandboxWorld, bind: { host: string; port: number }): Promise<WebServer> {
  const sockets = new WebSocketServer({ noServer: true });
  sockets.on('connection', (socket) => servePageSocket(socket, discord, world));
  const server: Server = createServer((request, response) => {
    serve(discord, request, response).catch((err: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`sandbox error: ${(err as Error).message}`);
    });
  });
  server.on('upgrade', (request, socket, head) => {
    // Any web page open in the same browser may try ws://127.0.0.1:3000; only our own page may act as a member.
    const origin = request.headers.origin;
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/events' || (origin !== undefined && hostOf(origin) !== request.headers.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = bind.host === '0.0.0.0' || bind.host === '::' ? '127.0.0.1' : bind.host.includes(':') ? `[${bind.host}]` : bind.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The host:port of an Origin header; undefined for "null" (a file:// page) or anything malformed. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

async function serve(discord: FakeDiscord, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://x');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET' }).end();
    return;
  }
  const page = PAGE_FILES[pathname];
  if (page) {
    const body = await readFile(new URL(page.file, PAGE_DIR));
    response.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-cache' }).end(body);
    return;
  }
  if (pathname === '/favicon.ico') {
    response.writeHead(204).end();
    return;
  }
  const attachment = /^\/attachments\/(\d+)\/[^/]+$/.exec(pathname);
  const record = attachment ? discord.attachment(attachment[1]!) : undefined;
  if (record) {
    response.writeHead(200, { 'content-type': record.contentType, 'content-length': record.size, 'cache-control': 'max-age=31536000, immutable' }).end(record.bytes);
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}
