import type { z } from 'zod';
import { roleSchema, scopeSchema } from '../../auth/schemas.js';
import { credentialInputSchema } from '../../snmp/credential-service.js';
import { siteSettingsSchema } from '../../settings/site-service.js';
import { discoverySettingsSchema } from '../../discovery/settings-service.js';
import { devicePatchSchema } from '../../discovery/device-service.js';
import { interfaceMarkSchema } from '../../monitor/interface-mark-service.js';
import { overrideInputSchema, rulePatchSchema } from '../../monitor/rules.js';
import { checkInputSchema, checkUpdateSchema } from '../../monitor/checks/check-schema.js';
import { completionInputSchema, planInputSchema } from '../../monitor/inspection-service.js';
import {
  scheduleSchema as maintenanceScheduleSchema,
  scopeSchema as maintenanceScopeSchema,
} from '../../incidents/maintenance-schema.js';
import { channelFiltersSchema, channelInputSchema } from '../../incidents/notification-schema.js';
import { jobInputSchema, restoreInputSchema } from '../../backup/job-schema.js';
import { retentionSchema } from '../../backup/retention.js';
import { targetInputSchema } from '../../backup/target-schema.js';
import { siteSummarySchema } from '../../hq/site-summary-schema.js';
import { changeItemSchema } from '../../hq/change-feed-schema.js';
import { errorSchema } from './responses.js';

/**
 * Schemas that get a name under components.schemas: the ones used by more than one operation or
 * nested in several bodies, and the big bodies a client generator should name. Anything else a
 * route validates is inlined where it is used (or named after its operation, for bodies).
 */
export const REQUEST_COMPONENTS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Role', roleSchema],
  ['TokenScope', scopeSchema],
  ['SiteSettings', siteSettingsSchema],
  ['DiscoverySettings', discoverySettingsSchema],
  ['CredentialInput', credentialInputSchema],
  ['DevicePatch', devicePatchSchema],
  ['InterfaceMark', interfaceMarkSchema],
  ['RulePatch', rulePatchSchema],
  ['RuleOverrideInput', overrideInputSchema],
  ['CheckInput', checkInputSchema],
  ['CheckUpdate', checkUpdateSchema],
  ['InspectionPlanInput', planInputSchema],
  ['InspectionCompletionInput', completionInputSchema],
  ['MaintenanceScope', maintenanceScopeSchema],
  ['MaintenanceSchedule', maintenanceScheduleSchema],
  ['ChannelFilters', channelFiltersSchema],
  ['ChannelInput', channelInputSchema],
  ['BackupTargetInput', targetInputSchema],
  ['BackupRetention', retentionSchema],
  ['BackupJobInput', jobInputSchema],
  ['RestoreInput', restoreInputSchema],
];

/** Response schemas with a name (converted as what the box sends). */
export const RESPONSE_COMPONENTS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Error', errorSchema],
  ['SiteSummary', siteSummarySchema],
  ['Change', changeItemSchema],
];
