/** A minimal method + path-template router over already-decoded path segments. */
import type { UploadedFile } from './records.ts';

export interface RouteRequest {
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly files: readonly UploadedFile[];
  /** The Authorization header, if any. */
  readonly authorization: string | undefined;
}

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
}

export type RouteHandler = (request: RouteRequest) => RouteResult;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly template: string;
  /** Interaction and webhook-token routes are authorised by their token, not the bot token. */
  readonly tokenAuth: boolean;
  readonly handler: RouteHandler;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export class Router {
  readonly #routes: Route[] = [];

  add(method: string, template: string, handler: RouteHandler, options: { tokenAuth?: boolean } = {}): void {
    const segments = template.split('/').filter(Boolean);
    this.#routes.push({ method, segments, template: `${method} ${template}`, tokenAuth: options.tokenAuth ?? false, handler });
  }

  /** Routes are tried in the order added, so literal routes go before parameterised ones. */
  match(method: string, segments: readonly string[]): RouteMatch | undefined {
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matched = route.segments.every((part, i) => {
        if (part.startsWith(':')) {
          params[part.slice(1)] = segments[i];
          return true;
        }
        return part === segments[i];
      });
      if (matched) return { route, params };
    }
    return undefined;
  }
}
