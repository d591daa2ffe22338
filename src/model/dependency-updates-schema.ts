import { z } from 'zod';

/**
 * The `dependencyUpdates` section of a customer description: how Dependabot keeps the pins of the
 * customer's repository current (the actions of the generated workflows, and the base images of
 * the Dockerfiles the release workflow builds). Every field has a default.
 */

/** Days a release must have been public before Dependabot proposes it. */
export const DEFAULT_COOLDOWN_DAYS = 7;

/**
 * A Dockerfile path inside the repository, relative to its root, without `..`: `Dockerfile`,
 * `services/api/Dockerfile`, `build/Dockerfile.release`, `api.dockerfile`. Dependabot's docker
 * ecosystem reads files named like these.
 */
const DOCKERFILE_PATH = /^(?![/.])(?!.*\/\.\.?(\/|$))[A-Za-z0-9._/-]*(^|\/)(Dockerfile([.-][A-Za-z0-9._-]+)?|[A-Za-z0-9._-]+\.[Dd]ockerfile)$/;

export const dependencyUpdatesSchema = z.strictObject({
  /**
   * Days a new release must have been public before Dependabot proposes it, so that a release
   * pulled within days of a compromise (as Trivy 0.69.4 was in March 2026) is never adopted.
   * Dependabot allows 1 to 90. @default 7
   */
  cooldownDays: z
    .int({ error: 'expected a whole number of days' })
    .min(1, { error: 'must be at least 1 day; a cooldown of 0 would adopt a release the day it ships' })
    .max(90, { error: 'must be at most 90 days (Dependabot\'s limit)' })
    .default(DEFAULT_COOLDOWN_DAYS),
  /** How often Dependabot looks for updates. @default weekly */
  interval: z.enum(['daily', 'weekly', 'monthly'], { error: 'expected daily, weekly or monthly' }).default('weekly'),
  /**
   * Dockerfiles whose base images Dependabot keeps current (its docker ecosystem), relative to
   * the repository root. Empty turns the docker updates off. @default ["Dockerfile"] (the release
   * workflow builds ./Dockerfile)
   */
  dockerfiles: z
    .array(
      z.string().regex(DOCKERFILE_PATH, {
        error: 'is not a Dockerfile path inside the repository; write it relative to the root, without ".." or a leading "/", e.g. "Dockerfile" or "services/api/Dockerfile"',
      }),
      { error: 'expected a list of Dockerfile paths such as ["Dockerfile"]' },
    )
    .refine((list) => new Set(list).size === list.length, { error: 'repeats a Dockerfile; list each once' })
    .default(['Dockerfile']),
}, { error: 'expected a mapping with cooldownDays, interval or dockerfiles' });
