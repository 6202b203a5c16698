#!/usr/bin/env node
// The package ships TypeScript sources; tsx compiles them on load so `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
await main(process.argv);
