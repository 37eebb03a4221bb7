#!/usr/bin/env node
// Runs the bundled agent (dist/main.js, made by `nx build agent`); from a source checkout
// without a build, runs the TypeScript sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundled = join(__dirname, '..', 'dist', 'main.js');
if (existsSync(bundled)) {
  require(bundled);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'main.ts'));
}
