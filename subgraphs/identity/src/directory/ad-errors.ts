/**
 * What Active Directory's bind refusals mean. AD answers every refused simple bind with result
 * 49 (invalidCredentials) and puts the reason in the diagnostic message as `data <sub-code>`.
 */
export type DirectoryRefusal =
  | 'WRONG_CREDENTIALS'
  | 'ACCOUNT_DISABLED'
  | 'ACCOUNT_LOCKED'
  | 'PASSWORD_EXPIRED'
  | 'PASSWORD_MUST_CHANGE'
  | 'ACCOUNT_EXPIRED'
  | 'LOGON_NOT_PERMITTED';

const SUB_CODES: Record<string, DirectoryRefusal> = {
  '525': 'WRONG_CREDENTIALS', // no such user
  '52e': 'WRONG_CREDENTIALS',
  '530': 'LOGON_NOT_PERMITTED', // outside logon hours
  '531': 'LOGON_NOT_PERMITTED', // not from this workstation
  '532': 'PASSWORD_EXPIRED',
  '533': 'ACCOUNT_DISABLED',
  '568': 'LOGON_NOT_PERMITTED', // too many security ids in the token
  '701': 'ACCOUNT_EXPIRED',
  '773': 'PASSWORD_MUST_CHANGE',
  '775': 'ACCOUNT_LOCKED',
};

/** The sub-code of an AD bind refusal (`…, data 52e, v1db1`), lower-case, or null. */
export function adSubCode(message: string): string | null {
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(message)?.[1]?.toLowerCase() ?? null;
}

/** The refusal a bind error stands for; an unknown sub-code reads as wrong credentials. */
export function refusalOf(message: string): DirectoryRefusal {
  const code = adSubCode(message);
  return (code && SUB_CODES[code]) || 'WRONG_CREDENTIALS';
}

/** What the person signing in is told: never whether the account exists or the password was right. */
export const REFUSAL_MESSAGES: Record<DirectoryRefusal, string> = {
  WRONG_CREDENTIALS: 'Email or password is incorrect',
  ACCOUNT_DISABLED: 'Your directory account is disabled; contact your IT administrator',
  ACCOUNT_LOCKED: 'Your directory account is locked; contact your IT administrator or wait for it to unlock',
  PASSWORD_EXPIRED: 'Your directory password has expired; change it in your organisation first',
  PASSWORD_MUST_CHANGE: 'Your directory password must be changed before you sign in; change it in your organisation first',
  ACCOUNT_EXPIRED: 'Your directory account has expired; contact your IT administrator',
  LOGON_NOT_PERMITTED: 'Your directory account may not sign in now; contact your IT administrator',
};
