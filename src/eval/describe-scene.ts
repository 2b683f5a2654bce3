/** One-line text of what the analyser saw, for failure listings and per-prompt reports. */
import { sizeOf } from './object-size.ts';
import type { SceneAnalysis } from './scene-analyser.ts';

/** e.g. "big red circle @(40,64); small blue star @(90,30) on default". */
export function describeScene(analysis: SceneAnalysis): string {
  const objs = analysis.objects.map((o) => `${sizeOf(o)} ${o.colour} ${o.shape} @(${o.cx.toFixed(0)},${o.cy.toFixed(0)})`);
  return `${objs.join('; ') || 'nothing'} on ${analysis.background}`;
}
