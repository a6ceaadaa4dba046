import type { Config } from '../config/index.ts';
import type { GreylistSettings } from './greylist.ts';
import type { SpamSettings } from './filter.ts';

/** The filter's settings from `[spam]` (docs/configuration.md). */
export function spamSettings(config: Config): SpamSettings {
  const s = config.spam;
  return {
    enabled: s.enabled,
    junkScore: s.junk_score,
    rejectScore: s.reject_score ?? null,
    bayesWeight: s.bayes_weight,
    minLearned: s.min_learned,
    dnsbl: s.dnsbl,
    dnsblWeight: s.dnsbl_weight,
    dnswl: s.dnswl,
    dnswlWeight: s.dnswl_weight,
    hostname: config.hostname,
  };
}

export function greylistSettings(config: Config): GreylistSettings {
  return { enabled: config.spam.greylist, delaySeconds: config.spam.greylist_delay };
}
