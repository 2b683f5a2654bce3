/** The text and components of job messages: what people read under the picture. */
import { ButtonStyle, ComponentType, escapeMarkdown, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { A1111_SAMPLER } from '../diffusion/png.ts';
import type { SamplerName } from '../diffusion/types.ts';
import type { JobResult } from '../services/job-observer.ts';
import { filmId, panId, rerollId, upscaleId, varyId, zoomId } from './custom-ids.ts';

/** Added to every single-image result: a reaction starts that job, like the buttons. */
export const SINGLE_IMAGE_REACTIONS = ['🔍', '🔀', '🔁'] as const;
export const REACTION_ACTIONS: Record<string, 'upscale' | 'vary' | 'reroll'> = { '🔍': 'upscale', '🔀': 'vary', '🔁': 'reroll' };

/** Prompt text as Discord shows it: markdown escaped, and short enough for a 2000-character message. */
export function quotePrompt(prompt: string, max = 500): string {
  const p = prompt.length > max ? `${prompt.slice(0, max)}…` : prompt;
  return escapeMarkdown(p);
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function queuedText(position: number | null, etaMs: number | undefined): string {
  if (position === null) return 'Waiting: a moderator has paused this server\'s queue; your job starts when it resumes.';
  const eta = etaMs === undefined ? '' : `, about ${formatDuration(etaMs)} to go`;
  return position <= 0 ? 'Starting…' : `Queued: position ${position}${eta}.`;
}

export function resultText(r: JobResult): string {
  const j = r.job;
  const kind = j.kind === 'imagine' ? '' : ` (${j.kind}${j.parentJobId ? ` of job ${j.parentJobId}${j.parentImageIndex != null ? ` image ${j.parentImageIndex + 1}` : ''}` : ''})`;
  const seeds = r.seeds.length === 1 ? `seed ${r.seeds[0]}` : `seeds ${r.seeds[0]}–${r.seeds[r.seeds.length - 1]}`;
  const lines = [
    `**${quotePrompt(j.prompt)}**${kind}`,
    j.negativePrompt ? `without: ${quotePrompt(j.negativePrompt, 200)}` : '',
    `Job ${j.id} · ${escapeMarkdown(j.model)} · ${seeds} · ${j.steps} steps · ${A1111_SAMPLER[j.sampler as SamplerName] ?? j.sampler} · CFG ${j.guidance}${j.chaos != null ? ` · chaos ${j.chaos}` : ''} · ${j.width}x${j.height} · ${formatDuration(r.durationMs)}`,
    ...r.warnings.map((w) => `⚠️ ${w}`),
  ];
  return lines.filter(Boolean).join('\n');
}

function button(customId: string, label: string, style: ButtonStyle.Primary | ButtonStyle.Secondary = ButtonStyle.Secondary): APIButtonComponent {
  return { type: ComponentType.Button, custom_id: customId, label, style };
}

/**
 * U1-U4 / V1-V4 / reroll and 🎞️ under a grid; under a single image Upscale / Vary / Reroll, then
 * Vary (Strong) / Vary (Subtle) / 🎞️, Zoom Out 2x / 1.5x and the four pans (4 rows; Discord takes
 * at most 5 rows of 5 buttons). A film result has none.
 */
export function resultComponents(jobId: number, images: number): APIActionRowComponent<APIButtonComponent>[] {
  const row = (components: APIButtonComponent[]) => ({ type: ComponentType.ActionRow as const, components });
  if (images === 1) {
    return [
      row([button(upscaleId(jobId, 0), '🔍 Upscale'), button(varyId(jobId, 0), '🔀 Vary'), button(rerollId(jobId), '🔁 Reroll')]),
      row([button(varyId(jobId, 0, 'strong'), 'Vary (Strong)'), button(varyId(jobId, 0, 'subtle'), 'Vary (Subtle)'), button(filmId(jobId), '🎞️')]),
      row([button(zoomId(jobId, 0, 2), 'Zoom Out 2x'), button(zoomId(jobId, 0, 1.5), 'Zoom Out 1.5x')]),
      row([button(panId(jobId, 0, 'left'), '⬅️'), button(panId(jobId, 0, 'right'), '➡️'), button(panId(jobId, 0, 'up'), '⬆️'), button(panId(jobId, 0, 'down'), '⬇️')]),
    ];
  }
  const idx = Array.from({ length: images }, (_, k) => k);
  return [
    row(idx.map((k) => button(upscaleId(jobId, k), `U${k + 1}`))),
    row(idx.map((k) => button(varyId(jobId, k), `V${k + 1}`))),
    row([button(rerollId(jobId), '🔁 Reroll', ButtonStyle.Primary), button(filmId(jobId), '🎞️')]),
  ];
}
