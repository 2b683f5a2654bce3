/**
 * Button custom ids. They name the job, the image and (for Vary (Strong) / Vary (Subtle)) the
 * mode, nothing else: everything a button needs comes from the database, so buttons on old results
 * keep working after a restart.
 */
import type { PanDirection } from '../diffusion/canvas.ts';
import type { ZoomFactor } from '../services/canvas-ops.ts';
import type { VaryMode } from '../services/job-requests.ts';

export type ButtonAction =
  | { action: 'upscale'; jobId: number; index: number }
  | { action: 'vary'; jobId: number; index: number; mode?: VaryMode }
  | { action: 'reroll'; jobId: number }
  | { action: 'zoom'; jobId: number; index: number; factor: ZoomFactor }
  | { action: 'pan'; jobId: number; index: number; direction: PanDirection }
  | { action: 'film'; jobId: number };

export function upscaleId(jobId: number, index: number): string {
  return `u:${jobId}:${index}`;
}
/** Without a mode: the grid's V buttons (VARY_STRENGTH), as before the modes existed. */
export function varyId(jobId: number, index: number, mode?: VaryMode): string {
  return mode ? `v:${jobId}:${index}:${mode}` : `v:${jobId}:${index}`;
}
export function rerollId(jobId: number): string {
  return `r:${jobId}`;
}

/** Zoom Out: `z:<job>:<image>:2` or `z:<job>:<image>:1.5`. */
export function zoomId(jobId: number, index: number, factor: ZoomFactor): string {
  return `z:${jobId}:${index}:${factor}`;
}
/** Pan: `p:<job>:<image>:<left|right|up|down>`. */
export function panId(jobId: number, index: number, direction: PanDirection): string {
  return `p:${jobId}:${index}:${direction}`;
}
/** 🎞️: the reverse-process film of the whole job. */
export function filmId(jobId: number): string {
  return `f:${jobId}`;
}

export function parseCustomId(id: string): ButtonAction | undefined {
  const film = /^f:(\d{1,12})$/.exec(id);
  if (film) return { action: 'film', jobId: Number(film[1]) };
  const canvas = /^([zp]):(\d{1,12}):(\d):(2|1\.5|left|right|up|down)$/.exec(id);
  if (canvas) {
    const [, kind, job, index, what] = canvas;
    const base = { jobId: Number(job), index: Number(index) };
    if (kind === 'z') return what === '2' || what === '1.5' ? { action: 'zoom', ...base, factor: Number(what) as ZoomFactor } : undefined;
    return what === '2' || what === '1.5' ? undefined : { action: 'pan', ...base, direction: what as PanDirection };
  }
  const m = /^([uvr]):(\d{1,12})(?::(\d))?(?::(strong|subtle))?$/.exec(id);
  if (!m) return undefined;
  const jobId = Number(m[2]);
  const mode = m[4] as VaryMode | undefined;
  if (m[1] === 'r') return m[3] === undefined && !mode ? { action: 'reroll', jobId } : undefined;
  if (m[3] === undefined) return undefined;
  if (m[1] === 'u') return mode ? undefined : { action: 'upscale', jobId, index: Number(m[3]) };
  return mode ? { action: 'vary', jobId, index: Number(m[3]), mode } : { action: 'vary', jobId, index: Number(m[3]) };
}

/**
 * The remix modal of a variation, zoom or pan button: the button's own id behind "remix:", so the
 * submitted modal names the job, the image and the mode, factor or direction as the button did
 * (and works after a restart).
 */
export function remixModalId(buttonId: string): string {
  return `remix:${buttonId}`;
}

/** The buttons whose job takes a prompt a member may rewrite first. */
export type RemixableAction = ButtonAction & { action: 'vary' | 'zoom' | 'pan' };

export function isRemixable(action: ButtonAction): action is RemixableAction {
  return action.action === 'vary' || action.action === 'zoom' || action.action === 'pan';
}

export function parseRemixModalId(id: string): RemixableAction | undefined {
  if (!id.startsWith('remix:')) return undefined;
  const action = parseCustomId(id.slice('remix:'.length));
  return action && isRemixable(action) ? action : undefined;
}

/** The text input of the remix modal that holds the prompt. */
export const REMIX_PROMPT_INPUT = 'prompt';
