// `node --import switchyard/register file.ts`: TypeScript through tsx plus the
// `switchyard/sdk` resolution the hub uses, so a plugin package's own tests
// run exactly the way the hub will load the plugin.
import { register } from 'tsx/esm/api';

register();
const { registerSdkResolution } = await import('./sdk-resolution.ts');
registerSdkResolution();
