import type { Operation } from '../types.js';
import { authOperations } from './auth.js';
import { settingsOperations } from './settings.js';
import { deviceOperations } from './devices.js';
import { monitoringOperations } from './monitoring.js';
import { incidentOperations } from './incidents.js';
import { backupOperations } from './backups.js';
import { hqOperations } from './hq.js';

/** Every documented operation, in the order the reference shows them. */
export const ALL_OPERATIONS: readonly Operation[] = [
  ...authOperations,
  ...hqOperations,
  ...deviceOperations,
  ...monitoringOperations,
  ...incidentOperations,
  ...backupOperations,
  ...settingsOperations,
];
