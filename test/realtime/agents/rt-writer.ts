/** Test agent for realtime and dashboard tests: writes headlines, drafts and reviews. */
import { defineAgent } from '../../../core/sdk/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const input = {
  type: 'object',
  properties: { topic: { type: 'string', maxLength: 200 }, delayMs: { type: 'integer', minimum: 0, maximum: 10000 }, research: {} },
  required: ['topic'],
};

export default defineAgent({
  id: 'rt-writer',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'Writes headlines, outlines and drafts (realtime test agent)',
  capabilities: {
    headline: { description: 'A headline for a topic', input },
    outline: { description: 'An outline', input },
    draft: { description: 'A draft article', input },
  },
  async handle(task, ctx) {
    const { topic, delayMs = 0 } = task.input as { topic: string; delayMs?: number };
    switch (task.capability) {
      case 'headline':
        ctx.emit({ type: 'progress', message: `Writing a headline about ${topic}` });
        return { title: `The 7 best ${topic} picks this year` };
      case 'outline':
        await sleep(delayMs);
        ctx.emit({ type: 'progress', message: 'Outline ready: intro, 7 picks, buying guide, FAQ' });
        return { sections: 4 };
      default:
        await sleep(delayMs);
        ctx.emit({ type: 'progress', message: `Draft written: 1,240 words on ${topic}` });
        return { words: 1240, title: `The 7 best ${topic} picks this year` };
    }
  },
});
