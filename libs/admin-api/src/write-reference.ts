// `npm run docs:admin-api`: writes docs/admin-api-reference.md from the contracts.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { apiRoutes } from './routes';
import { renderReference } from './reference';

const target = resolve(__dirname, '../../../docs/admin-api-reference.md');
writeFileSync(target, renderReference(apiRoutes));
console.log(`wrote ${target}`);
