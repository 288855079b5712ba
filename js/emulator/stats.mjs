// Social planner statistics (`POST /social-media-posting/statistics`).
//
// Per FACTS, only LinkedIn pages and TikTok business accounts have
// statistics. Selected accounts of any other platform or type still appear
// under their platform key, with every figure 0 (as GHL's own example shows
// for google). Unknown profileIds are ignored. Figures are a pure function of
// (seed, profileId, UTC day), so the same day always shows the same numbers
// and "the 7 days before" are the same figures a week earlier.

import { createRng, hash32 } from "./prng.mjs";

const DAY_MS = 86_400_000;
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
export const STAT_PLATFORMS = [
  "facebook",
  "instagram",
  "linkedin",
  "google",
  "pinterest",
  "youtube",
  "tiktok",
];

/** Whether an account has statistics (LinkedIn page, TikTok business). */
export function hasStatistics(account) {
  return (
    (account.platform === "linkedin" && account.type === "page") ||
    (account.platform === "tiktok" && account.type === "business")
  );
}

const zeros = () => [0, 0, 0, 0, 0, 0, 0];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const addInto = (into, xs) =>
  xs.forEach((x, i) => {
    into[i] += x;
  });
/** Percent change from `prev` to `cur`, 2 decimals; 100 when growing from 0. */
export const change = (cur, prev) =>
  prev === 0 ? (cur > 0 ? 100 : 0) : Math.round(((cur - prev) / prev) * 10_000) / 100;

function accountDay(seed, account, day) {
  const scale = 0.5 + (hash32(`${seed}|scale|${account.profileId}`) % 1000) / 500;
  const rng = createRng(seed, `stats:${account.profileId}:${day}`);
  const impressions = Math.round(rng.int(120, 2400) * scale);
  const likes = Math.round(impressions * (0.02 + rng.next() * 0.06));
  return {
    posts: rng.int(0, 3),
    impressions,
    reach: Math.round(impressions * (0.55 + rng.next() * 0.3)),
    likes,
    comments: Math.round(likes * (0.05 + rng.next() * 0.15)),
    shares: Math.round(likes * rng.next() * 0.1),
  };
}

/** Daily series of one account for the 7 days ending on UTC day `lastDay`. */
const emptyWeek = () => ({
  posts: zeros(),
  impressions: zeros(),
  reach: zeros(),
  likes: zeros(),
  comments: zeros(),
  shares: zeros(),
  followers: zeros(),
});

function accountWeek(seed, account, lastDay) {
  const week = emptyWeek();
  if (!hasStatistics(account)) return week;
  for (let i = 0; i < 7; i += 1) {
    const day = lastDay - 6 + i;
    const f = accountDay(seed, account, day);
    for (const k of ["posts", "impressions", "reach", "likes", "comments", "shares"])
      week[k][i] = f[k];
    week.followers[i] = followersAt(seed, account, day);
  }
  return week;
}

/**
 * Follower count at the end of UTC day `day`: a base, 8 a day on average since
 * 2022-01-08 (day 19,000), and a daily jitter of 0..7, so counts only grow.
 */
function followersAt(seed, account, day) {
  const base = 500 + (hash32(`${seed}|followers|${account.profileId}`) % 20_000);
  const jitter = hash32(`${seed}|jitter|${account.profileId}|${day}`) % 8;
  return base + 8 * Math.max(0, day - 19_000) + jitter;
}

/**
 * Builds `results` for the selected accounts at time `nowMs`: the 7 UTC days
 * ending today against the 7 before.
 */
export function buildStatistics(seed, accounts, nowMs) {
  const today = Math.floor(nowMs / DAY_MS);
  const perPlatform = {};
  for (const account of accounts) {
    const p = account.platform;
    perPlatform[p] ??= { cur: emptyWeek(), prev: emptyWeek() };
    const cur = accountWeek(seed, account, today);
    const prev = accountWeek(seed, account, today - 7);
    for (const k of Object.keys(cur)) {
      addInto(perPlatform[p].cur[k], cur[k]);
      addInto(perPlatform[p].prev[k], prev[k]);
    }
  }
  const platforms = Object.keys(perPlatform).sort();
  const total = (period, k) => sum(platforms.map((p) => sum(perPlatform[p][period][k])));
  const series = (k) => {
    const out = zeros();
    for (const p of platforms) addInto(out, perPlatform[p].cur[k]);
    return out;
  };
  const lastFollowers = (period, p) => perPlatform[p][period].followers[6];
  const breakdown = (k) => ({
    total: total("cur", k),
    totalChange: change(total("cur", k), total("prev", k)),
    platforms: Object.fromEntries(
      platforms.map((p) => {
        const cur = sum(perPlatform[p].cur[k]);
        return [p, { value: cur, change: change(cur, sum(perPlatform[p].prev[k])) }];
      }),
    ),
  });
  const platformTotal = (k) =>
    Object.fromEntries(
      platforms.map((p) => [
        p,
        {
          total: k === "followers" ? lastFollowers("cur", p) : sum(perPlatform[p].cur[k]),
          series: [...perPlatform[p].cur[k]],
        },
      ]),
    );
  const followers = sum(platforms.map((p) => lastFollowers("cur", p)));

  const demoRng = createRng(seed, `demographics:${accounts.map((a) => a.profileId).join(",")}`);
  const malePct = followers ? 35 + demoRng.int(0, 20) : 0;
  const femalePct = followers ? 35 + demoRng.int(0, 20) : 0;
  const unknownPct = followers ? 100 - malePct - femalePct : 0;
  const ageWeights = [2, 18, 32, 24, 13, 8, 3].map((w) => w + demoRng.int(0, 4));
  const ageSum = sum(ageWeights);
  const ageBands = ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"];

  return {
    dayRange: Array.from(
      { length: 7 },
      (_, i) => DAY_NAMES[new Date((today - 6 + i) * DAY_MS).getUTCDay()],
    ),
    totals: {
      posts: total("cur", "posts"),
      likes: total("cur", "likes"),
      followers,
      impressions: total("cur", "impressions"),
      comments: total("cur", "comments"),
    },
    postPerformance: {
      posts: Object.fromEntries(platforms.map((p) => [p, [...perPlatform[p].cur.posts]])),
      impressions: series("impressions"),
      likes: series("likes"),
      comments: series("comments"),
    },
    breakdowns: {
      posts: breakdown("posts"),
      impressions: breakdown("impressions"),
      reach: breakdown("reach"),
      engagement: Object.fromEntries(
        platforms.map((p) => {
          const c = perPlatform[p].cur;
          const v = perPlatform[p].prev;
          const engaged = (w) => sum(w.likes) + sum(w.comments) + sum(w.shares);
          return [
            p,
            {
              likes: sum(c.likes),
              comments: sum(c.comments),
              shares: sum(c.shares),
              change: change(engaged(c), engaged(v)),
            },
          ];
        }),
      ),
    },
    platformTotals: {
      impressions: platformTotal("impressions"),
      followers: platformTotal("followers"),
      likes: platformTotal("likes"),
    },
    demographics: {
      gender: {
        totals: {
          male: { total: Math.round((followers * malePct) / 100), percentage: malePct },
          female: { total: Math.round((followers * femalePct) / 100), percentage: femalePct },
          unknown: {
            total:
              followers -
              Math.round((followers * malePct) / 100) -
              Math.round((followers * femalePct) / 100),
            percentage: unknownPct,
          },
        },
      },
      age: {
        totals: Object.fromEntries(
          ageBands.map((band, i) => [band, Math.round((followers * ageWeights[i]) / ageSum)]),
        ),
      },
    },
  };
}
