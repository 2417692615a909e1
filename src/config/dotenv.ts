// .env is read from the working folder; variables already in the environment win over it.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';

export function loadDotenv(cwd = process.cwd()): void {
  const file = resolve(cwd, '.env');
  if (existsSync(file)) dotenv.config({ path: file, quiet: true });
}
