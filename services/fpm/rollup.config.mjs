// Bundles the fpm-ts command into services/fpm/dist/fpm-ts.js.
import { serviceBundle } from '../../tools/build/rollup-service.mjs';

export default serviceBundle({ input: 'services/fpm/bin/fpm-ts.ts', file: 'services/fpm/dist/fpm-ts.js' });
