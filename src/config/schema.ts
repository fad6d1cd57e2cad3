import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The whole configuration of the service. Everything has a sensible default so that an empty file
 * (or none) gives a working box; unknown keys are rejected so that a typo is reported, not ignored.
 */
export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(1).max(65535).default(8080),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    http: z
      .object({
        /** Largest accepted request body. */
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        /**
         * Host names (besides IP addresses, localhost and the box's own host name) this box
         * answers to, for example its DNS name on the branch LAN or over the VPN.
         */
        allowedHosts: z.array(z.string().min(1).max(253)).max(50).default([]),
        /** Milliseconds that shutdown waits for open requests before closing them. */
        shutdownGraceMs: z.number().int().min(0).max(60_000).default(5_000),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        sessionIdleMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(120),
        sessionAbsoluteHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(12),
        /** Consecutive failed logins for one user before the account is locked for a while. */
        maxFailedLogins: z.number().int().min(1).max(100).default(5),
        lockoutMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(15),
        /** Login attempts per source address per minute, whatever the user name. */
        loginAttemptsPerMinute: z.number().int().min(1).max(1000).default(20),
        passwordMinLength: z.number().int().min(8).max(128).default(10),
      })
      .strict()
      .prefault({}),
    discovery: z
      .object({
        /** The nmap program (it needs CAP_NET_RAW for ARP discovery; see the systemd unit). */
        nmapPath: z.string().min(1).default('nmap'),
        /** The whole ping sweep is stopped after this long. */
        sweepTimeoutMs: z.number().int().min(5_000).max(3_600_000).default(600_000),
        serviceScanTimeoutMs: z.number().int().min(5_000).max(7_200_000).default(1_800_000),
        serviceScanTopPorts: z.number().int().min(1).max(1000).default(100),
        /** SNMP agents probed at the same time. */
        snmpConcurrency: z.number().int().min(1).max(256).default(32),
        snmpTimeoutMs: z.number().int().min(100).max(30_000).default(1_500),
        snmpRetries: z.number().int().min(0).max(5).default(1),
        /** SNMP port (161; tests and the simulator-only demo use another). */
        snmpPort: z.number().int().min(1).max(65535).default(161),
        /** Values read per table at most (a huge forwarding table is cut, and noted). */
        maxTableRows: z.number().int().min(100).max(1_000_000).default(10_000),
        /** Values read from one device in all, so that hostile agents cannot exhaust memory. */
        maxDeviceValues: z.number().int().min(1_000).max(2_000_000).default(60_000),
        /** Scan once right after start when networks are configured (the demo uses it). */
        scanOnStart: z.boolean().default(false),
        /** Time budget for reading one device's inventory. */
        perDeviceBudgetMs: z.number().int().min(1_000).max(600_000).default(60_000),
      })
      .strict()
      .prefault({}),
    monitor: z
      .object({
        /** Reachability check of every device, in seconds. */
        reachIntervalS: z.number().int().min(5).max(3600).default(30),
        /** Consecutive failed reachability checks before a device is declared down. */
        downAfterFailures: z.number().int().min(1).max(20).default(3),
        /** Consecutive good checks before a down device is declared up again. */
        upAfterSuccesses: z.number().int().min(1).max(20).default(2),
        /** A device whose state changed this often within flapWindowS is flapping: held, one event. */
        flapMaxChanges: z.number().int().min(2).max(100).default(4),
        flapWindowS: z.number().int().min(60).max(86_400).default(900),
        /** TCP ports tried when a device does not answer ICMP (its known open ports come first). */
        tcpFallbackPorts: z
          .array(z.number().int().min(1).max(65535))
          .max(10)
          .default([22, 80, 443]),
        reachTimeoutMs: z.number().int().min(100).max(10_000).default(1_000),
        /** SNMP polling of interfaces, CPU, memory, storage, supplies, UPS and sensors, in seconds. */
        pollIntervalS: z.number().int().min(10).max(3600).default(60),
        pollConcurrency: z.number().int().min(1).max(256).default(32),
        pollTimeoutMs: z.number().int().min(100).max(30_000).default(2_000),
        pollRetries: z.number().int().min(0).max(5).default(1),
        /** One device's poll is cut off after this long, so a slow device never delays the cycle. */
        perDevicePollBudgetMs: z.number().int().min(1_000).max(300_000).default(15_000),
        /** Service checks (TCP, HTTP(S), DNS) added by an admin, in seconds. */
        serviceIntervalS: z.number().int().min(10).max(3600).default(60),
        /** Size limit of the stored metrics, in MiB; the oldest finest data goes first. */
        metricsQuotaMiB: z.number().int().min(1).max(1_000_000).default(2048),
        /** Metrics stop being written when the data disk has less free space than this (MiB). */
        minFreeDiskMiB: z.number().int().min(1).max(1_000_000).default(256),
      })
      .strict()
      .prefault({}),
    incidents: z
      .object({
        /** A problem that returns within this long after it was resolved reopens its incident. */
        reopenWithinS: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400)
          .default(3_600),
        /** More raise/clear changes than this within flapWindowS make one flapping incident. */
        flapMaxChanges: z.number().int().min(2).max(100).default(5),
        flapWindowS: z.number().int().min(60).max(86_400).default(1_800),
        /**
         * Notifications wait this long after an incident opens, so that a device found down in
         * the same cycle as the switch in front of it is suppressed instead of paging anyone.
         */
        notifyDelayS: z.number().int().min(0).max(3_600).default(20),
        /** Resolved incidents (with their timelines) are kept this long. */
        retentionDays: z.number().int().min(7).max(3_650).default(365),
        /**
         * The box's address as people reach it (for links in notifications), for example
         * `https://caretaker.branch.example`; when unset, links use the box's host name and port.
         */
        publicUrl: z.url().optional(),
      })
      .strict()
      .prefault({}),
    notify: z
      .object({
        /** Attempts per notification before it is given up (and shown as failed). */
        maxAttempts: z.number().int().min(1).max(20).default(8),
        /** First retry delay; each further retry waits twice as long, up to maxRetryDelayS. */
        retryDelayS: z.number().int().min(1).max(3_600).default(30),
        maxRetryDelayS: z.number().int().min(1).max(86_400).default(3_600),
        /** Consecutive failed attempts after which a channel raises its own event. */
        failingAfter: z.number().int().min(1).max(100).default(3),
        sendTimeoutMs: z.number().int().min(1_000).max(120_000).default(15_000),
      })
      .strict()
      .prefault({}),
    traps: z
      .object({
        /** Listen for SNMP traps (a port that cannot be bound is reported, not fatal). */
        enabled: z.boolean().default(true),
        port: z.number().int().min(1).max(65_535).default(162),
        address: z.string().default('0.0.0.0'),
        perSourcePerS: z.number().int().min(1).max(100_000).default(50),
        globalPerS: z.number().int().min(1).max(1_000_000).default(1_000),
        /** Received traps kept for the traps page. */
        keep: z.number().int().min(100).max(1_000_000).default(20_000),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        /** How long shutdown waits for running jobs before it aborts them. */
        shutdownDeadlineMs: z.number().int().min(0).max(120_000).default(10_000),
        jobRunRetentionDays: z.number().int().min(1).max(3650).default(30),
        /** Recent runs kept per job even when older than the retention. */
        jobRunKeepPerJob: z.number().int().min(1).max(10_000).default(50),
        auditRetentionDays: z.number().int().min(30).max(3650).default(730),
        /** Discovery scans kept (newest first); older ones are removed. */
        scansKept: z.number().int().min(10).max(100_000).default(500),
        eventRetentionDays: z.number().int().min(7).max(3650).default(400),
      })
      .strict()
      .prefault({}),
    /** What HQ polls: the site summary, the change feed and the Prometheus endpoint. */
    hq: z
      .object({
        /** Days the change feed keeps; a cursor older than that gets 410 (resync). */
        changeRetentionDays: z.number().int().min(1).max(365).default(30),
        /** Largest page of the change feed (larger requests are capped, not refused). */
        changePageMax: z.number().int().min(10).max(10_000).default(1_000),
        /** Serve GET /metrics (Prometheus exposition format) to `read` tokens and basic auth. */
        metricsEnabled: z.boolean().default(true),
        /** Failed token or basic-auth attempts per source address per minute before 429. */
        badAuthPerMinute: z.number().int().min(1).max(10_000).default(30),
      })
      .strict()
      .prefault({}),
    backup: z
      .object({
        /** Disks the admin has Caretaker mount are mounted at <mountRoot>/<filesystem UUID>. */
        mountRoot: z.string().min(2).max(512).default('/media/caretaker'),
        /**
         * How: `mount` runs mount(8) itself (needs root), `systemd` starts the root helper unit
         * caretaker-mount@<uuid>.service (allowed by a polkit rule); `auto` picks by the user the
         * service runs as.
         */
        mountMethod: z.enum(['auto', 'mount', 'systemd']).default('auto'),
      })
      .strict()
      .prefault({}),
    /**
     * HTTPS. When enabled, the API and UI are served on `port` over TLS and `httpPort` (if set)
     * only redirects to it. Without certFile/keyFile the box makes a self-signed certificate in
     * its data directory on first boot and shows its fingerprint.
     */
    tls: z
      .object({
        enabled: z.boolean().default(false),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        /** Plain-HTTP port that redirects to HTTPS (0: none). */
        httpPort: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
