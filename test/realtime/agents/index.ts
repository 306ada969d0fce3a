/** Paths and the pipeline definition that use the realtime test agents. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Value for PLUGIN_PATHS. */
export const testAgentPaths = [path.join(here, 'rt-researcher.ts'), path.join(here, 'rt-writer.ts')].join(',');

/** research → (outline ∥ draft) → review: parallel stages and an agent-to-agent request. */
export function nichePipeline(delayMs: number) {
  const topic = { $ref: 'input.topic' };
  return {
    name: 'Niche site builder',
    description: 'Research a niche, outline and draft in parallel',
    stages: [
      { name: 'research', agent: 'rt-researcher', task: { capability: 'research', input: { topic, delayMs } } },
      { name: 'outline', agent: 'rt-writer', needs: ['research'], task: { capability: 'outline', input: { topic, delayMs } } },
      { name: 'draft', agent: 'rt-writer', needs: ['research'], task: { capability: 'draft', input: { topic, delayMs, research: { $ref: 'stages.research.output' } } } },
    ],
  };
}
