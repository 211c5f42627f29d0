// What the resolvers receive for each GraphQL type (the codegen mappers point here).
import type { Publisher, User, UserSession } from '@platform/db';

export type UserModel = Pick<User, 'id' | 'email' | 'displayName'>;
export type PublisherModel = Pick<Publisher, 'id' | 'slug' | 'name' | 'type'>;
export interface AuthPayloadModel {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: UserModel;
  /** null in a platform operator's session, which is in no publisher. */
  activePublisher: PublisherModel | null;
  /** The operator's platform role, in a platform session. */
  platformRole: string | null;
}
export type SessionModel = UserSession & { activePublisher: PublisherModel | null; current: boolean };
