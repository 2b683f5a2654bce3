/** Where jobs run, in words: /mod workers lists the workers, /info says it in one line. */
import type { InferenceStatus, WorkerStatus } from '../services/inference.ts';

function since(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function workerLine(w: WorkerStatus, now: number): string {
  const doing = w.job === null ? 'idle' : `running job ${w.job}`;
  return `• **${w.name}** · ${w.models.join(', ')} · ${doing} · ${w.done} job(s) done · up ${since(w.since, now)} · ${w.provider}`;
}

export function workersText(status: InferenceStatus, now = Date.now()): string {
  if (status.mode === 'local') {
    return `This bot runs its jobs in its own process (${status.slots} inference slot${status.slots === 1 ? '' : 's'}); it has no workers. To add GPU machines, see "Scaling out" in the README.`;
  }
  if (status.workers.length === 0) return 'No worker is running: jobs wait in the queue until one starts (`npm run worker`).';
  const busy = status.workers.filter((w) => w.job !== null).length;
  return [`**Workers** (${status.workers.length} alive, ${busy} busy)`, ...status.workers.map((w) => workerLine(w, now))].join('\n');
}

/** One line for /info. */
export function inferenceLine(status: InferenceStatus): string {
  if (status.mode === 'local') return `**Inference** in the bot's own process, ${status.slots} slot${status.slots === 1 ? '' : 's'}`;
  const busy = status.workers.filter((w) => w.job !== null).length;
  return `**Workers** ${status.workers.length} alive (${busy} busy)${status.workers.length ? `: ${status.workers.map((w) => `${w.name} (${w.models.join(', ')})`).join(', ')}` : ': jobs wait until one starts'}`;
}
