/**
 * Button custom ids. They name the job and the image, nothing else: everything a button needs
 * comes from the database, so buttons on old results keep working after a restart.
 */
export type ButtonAction = { action: 'upscale' | 'vary'; jobId: number; index: number } | { action: 'reroll'; jobId: number };

export function upscaleId(jobId: number, index: number): string {
  return `u:${jobId}:${index}`;
}
export function varyId(jobId: number, index: number): string {
  return `v:${jobId}:${index}`;
}
export function rerollId(jobId: number): string {
  return `r:${jobId}`;
}

export function parseCustomId(id: string): ButtonAction | undefined {
  const m = /^([uvr]):(\d{1,12})(?::(\d))?$/.exec(id);
  if (!m) return undefined;
  const jobId = Number(m[2]);
  if (m[1] === 'r') return m[3] === undefined ? { action: 'reroll', jobId } : undefined;
  if (m[3] === undefined) return undefined;
  return { action: m[1] === 'u' ? 'upscale' : 'vary', jobId, index: Number(m[3]) };
}
