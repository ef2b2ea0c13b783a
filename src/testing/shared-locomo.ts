/** Where the real LoCoMo file lies outside the repository (../shared), for the tests that run on it when present. */
import { resolve } from 'node:path';

/** The LoCoMo train/validation file in ../shared/datasets/locomo (the tests skip when it is absent). */
export const SHARED_LOCOMO = resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'datasets',
  'locomo',
  'locomo-train-val.json',
);
