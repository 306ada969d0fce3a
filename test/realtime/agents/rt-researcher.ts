/**
 * Test agent for realtime and dashboard tests: reports progress, asks the
 * writer agent for work (so agents talk to each other in the run's room) and
 * can be slowed down so a viewer sees stages change while they run.
 */
import { defineAgent } from '../../../core/sdk/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default defineAgent({
  id: 'rt-researcher',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'Researches a niche and asks the writer for a headline (realtime test agent)',
  capabilities: {
    research: {
      description: 'Scan a niche',
      input: {
        type: 'object',
        properties: { topic: { type: 'string', maxLength: 200 }, delayMs: { type: 'integer', minimum: 0, maximum: 10000 } },
        required: ['topic'],
      },
    },
  },
  async handle(task, ctx) {
    const { topic, delayMs = 0 } = task.input as { topic: string; delayMs?: number };
    ctx.emit({ type: 'progress', message: `Scanning the "${topic}" niche` });
    await sleep(delayMs);
    const headline = await ctx.request<{ title: string }>('rt-writer', { capability: 'headline', input: { topic } }, { timeoutMs: 10_000 });
    ctx.emit({ type: 'progress', message: `Found 3 affiliate programmes; headline "${headline.title}"` });
    return { topic, programmes: 3, headline: headline.title };
  },
});
