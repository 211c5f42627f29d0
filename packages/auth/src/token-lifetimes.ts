/** Access tokens are short-lived; sessions (and their refresh tokens) last longer. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Clock skew tolerated between the machines that sign and verify tokens. */
export const CLOCK_TOLERANCE_SECONDS = 30;
