#!/usr/bin/env node
// The package ships TypeScript sources; tsx compiles them on load so `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
