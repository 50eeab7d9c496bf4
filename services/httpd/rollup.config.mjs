// Bundles the httpd-ts command into services/httpd/dist/httpd-ts.js.
import { serviceBundle } from '../../tools/build/rollup-service.mjs';

export default serviceBundle({ input: 'services/httpd/bin/httpd-ts.ts', file: 'services/httpd/dist/httpd-ts.js' });
